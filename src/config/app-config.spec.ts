import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('has defaults that work on a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dockerHost: 'unix:///var/run/docker.sock', logLevel: 'info' });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads and converts the environment', () => {
    expect(loadConfig({ PORT: '9000', DOCKER_HOST: 'tcp://10.0.0.2:2375', LOG_LEVEL: 'debug' })).toMatchObject({
      port: 9000,
      dockerHost: 'tcp://10.0.0.2:2375',
      logLevel: 'debug',
    });
  });

  it('reads the allowed bind roots and the exec output cap', () => {
    expect(loadConfig({}).allowedBindRoots).toEqual([]);
    expect(loadConfig({}).execMaxOutputBytes).toBe(1048576);
    const config = loadConfig({ BERTH_ALLOWED_BIND_ROOTS: '/srv/data/,/opt//shared', BERTH_EXEC_MAX_OUTPUT_BYTES: '4096' });
    expect(config.allowedBindRoots).toEqual(['/srv/data', '/opt/shared']);
    expect(config.execMaxOutputBytes).toBe(4096);
    expect(() => loadConfig({ BERTH_ALLOWED_BIND_ROOTS: 'relative/path' })).toThrow(/BERTH_ALLOWED_BIND_ROOTS/);
  });

  it('reads the host view, the allowed volume drivers and the protected volumes', () => {
    expect(loadConfig({}).hostRoot).toBeUndefined();
    expect(loadConfig({})).toMatchObject({ allowedVolumeDrivers: [], protectedVolumes: [] });
    const config = loadConfig({
      BERTH_HOST_ROOT: '/host/',
      BERTH_ALLOWED_VOLUME_DRIVERS: 'rexray/ebs, local-ro',
      BERTH_PROTECTED_VOLUMES: 'berth_berth-data,secrets',
    });
    expect(config).toMatchObject({
      hostRoot: '/host',
      allowedVolumeDrivers: ['rexray/ebs', 'local-ro'],
      protectedVolumes: ['berth_berth-data', 'secrets'],
    });
    expect(() => loadConfig({ BERTH_HOST_ROOT: 'host' })).toThrow(/BERTH_HOST_ROOT/);
    expect(() => loadConfig({ BERTH_PROTECTED_VOLUMES: 'a b' })).toThrow(/BERTH_PROTECTED_VOLUMES/);
  });

  it.each([
    [undefined, []],
    ['https://dash.example.com', ['https://dash.example.com']],
    ['http://localhost:3000, HTTPS://Dash.Example.com:443', ['http://localhost:3000', 'https://dash.example.com']],
  ])('reads BERTH_CORS_ORIGINS=%j as %j', (value, origins) => {
    expect(loadConfig(value === undefined ? {} : { BERTH_CORS_ORIGINS: value }).corsOrigins).toEqual(origins);
  });

  it.each(['*', 'dash.example.com', 'https://dash.example.com/', 'https://a.example,,https://b.example'])(
    'refuses BERTH_CORS_ORIGINS=%j, saying what it must be',
    (value) => {
      expect(() => loadConfig({ BERTH_CORS_ORIGINS: value })).toThrow(/BERTH_CORS_ORIGINS=.*must be exact origins separated by commas/);
    },
  );

  it('reads the stream limits and refuses nonsense', () => {
    expect(loadConfig({ BERTH_STREAMS_PER_USER: '4', BERTH_STREAM_STALL_TIMEOUT_MS: '2500' })).toMatchObject({
      streamsPerUser: 4,
      streamStallTimeoutMs: 2500,
      streamPingIntervalMs: 30_000,
      streamBufferBytes: 1024 * 1024,
    });
    expect(() => loadConfig({ BERTH_STREAMS_PER_USER: '0' })).toThrow(/BERTH_STREAMS_PER_USER="0":/);
    expect(() => loadConfig({ BERTH_STREAM_BUFFER_BYTES: '10' })).toThrow(/BERTH_STREAM_BUFFER_BYTES/);
  });

  it('keeps update check answers 300 s unless told otherwise (0: never)', () => {
    expect(loadConfig({}).imageStatusTtlSeconds).toBe(300);
    expect(loadConfig({ BERTH_IMAGE_STATUS_TTL_SECONDS: '0' }).imageStatusTtlSeconds).toBe(0);
    expect(() => loadConfig({ BERTH_IMAGE_STATUS_TTL_SECONDS: '-1' })).toThrow(/BERTH_IMAGE_STATUS_TTL_SECONDS/);
  });

  it('redacts for viewers unless told not to', () => {
    expect(loadConfig({}).viewerRedaction).toBe(true);
    expect(loadConfig({ BERTH_VIEWER_REDACTION: 'false' }).viewerRedaction).toBe(false);
    expect(loadConfig({ BERTH_VIEWER_REDACTION: 'true' }).viewerRedaction).toBe(true);
    expect(() => loadConfig({ BERTH_VIEWER_REDACTION: 'no' })).toThrow(
      /BERTH_VIEWER_REDACTION="no": BERTH_VIEWER_REDACTION must be true or false/,
    );
  });

  it('names every bad variable in one message', () => {
    const load = () => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT="abc".*LOG_LEVEL="loud"/);
  });
});

describe('loadConfig with secrets', () => {
  it('never shows a secret in its message', () => {
    const load = () => loadConfig({ BERTH_JWT_SECRET: 'too-short-secret', PORT: 'abc' });
    expect(load).toThrow(/PORT="abc".*BERTH_JWT_SECRET=\[redacted\]/);
    expect(load).not.toThrow(/too-short-secret/);
  });

  it('reads the auth settings', () => {
    expect(
      loadConfig({ BERTH_ADMIN_USERNAME: 'root', BERTH_JWT_TTL: '600', BERTH_AUTH_RATE_WINDOW_MS: '2000', BERTH_RATE_LIMIT: '100' }),
    ).toMatchObject({ adminUsername: 'root', jwtTtlSeconds: 600, authRateWindowMs: 2000, rateLimit: 100, authRateLimit: 10 });
    expect(loadConfig({})).toMatchObject({ rateLimit: 0, jwtTtlSeconds: 900, refreshTtlSeconds: 2_592_000 });
    expect(loadConfig({ BERTH_REFRESH_TTL: '86400' })).toMatchObject({ refreshTtlSeconds: 86_400 });
    expect(() => loadConfig({ BERTH_REFRESH_TTL: '60' })).toThrow(/BERTH_REFRESH_TTL="60"/);
    expect(loadConfig({ BERTH_JWT_TTL: '600', BERTH_REFRESH_TTL: '600' })).toMatchObject({ jwtTtlSeconds: 600, refreshTtlSeconds: 600 });
    expect(() => loadConfig({ BERTH_JWT_TTL: '3600', BERTH_REFRESH_TTL: '600' })).toThrow(
      /BERTH_JWT_TTL \(3600 s\) must not exceed BERTH_REFRESH_TTL \(600 s\)/,
    );
  });
});
