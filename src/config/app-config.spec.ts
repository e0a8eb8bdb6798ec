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

  it('reads the stream limits and refuses nonsense', () => {
    expect(loadConfig({ BERTH_STREAMS_PER_USER: '4', BERTH_STREAM_STALL_TIMEOUT_MS: '2500' })).toMatchObject({
      streamsPerUser: 4,
      streamStallTimeoutMs: 2500,
      streamPingIntervalMs: 30_000,
      streamBufferBytes: 1024 * 1024,
    });
    expect(() => loadConfig({ BERTH_STREAMS_PER_USER: '0' })).toThrow(/BERTH_STREAMS_PER_USER=0:/);
    expect(() => loadConfig({ BERTH_STREAM_BUFFER_BYTES: '10' })).toThrow(/BERTH_STREAM_BUFFER_BYTES/);
  });

  it('names every bad variable in one message', () => {
    const load = () => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT="abc".*LOG_LEVEL="loud"/);
  });
});
