import { describe, expect, it } from 'vitest';
import type { EngineContainerInspect, EngineContainerSummary } from '../docker/engine-types.js';
import { portsFrom, primaryName, redactInspect, toInspect, toSummary } from './container-views.js';

describe('summaries', () => {
  it('drops the leading slash, prefers the own name over link aliases, makes ports objects and times ISO', () => {
    const summary = toSummary({
      Id: 'abc',
      Names: ['/db/alias', '/web'],
      Image: 'busybox',
      ImageID: 'sha256:1',
      Command: 'httpd',
      Created: 1764072000,
      Ports: [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 53, Type: 'udp' },
      ],
      Labels: { a: 'b' },
      State: 'running',
      Status: 'Up 2 minutes',
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: {} } },
      Mounts: [],
    } as unknown as EngineContainerSummary);
    expect(summary).toEqual({
      id: 'abc',
      name: 'web',
      image: 'busybox',
      imageId: 'sha256:1',
      command: 'httpd',
      state: 'running',
      status: 'Up 2 minutes',
      ports: [
        { containerPort: 80, hostPort: 8080, hostIp: '0.0.0.0', protocol: 'tcp' },
        { containerPort: 53, protocol: 'udp' },
      ],
      labels: { a: 'b' },
      createdAt: '2025-11-25T12:00:00.000Z',
      networks: ['bridge'],
    });
    expect(primaryName([])).toBe('');
  });

  it('reads port bindings, exposed-only ports included', () => {
    expect(portsFrom({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': null })).toEqual([
      { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
      { containerPort: 53, protocol: 'udp' },
    ]);
  });
});

describe('redactInspect', () => {
  const inspect = {
    Id: 'abc',
    Name: '/web',
    Image: 'sha256:1',
    Created: '2026-01-01T00:00:00Z',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '',
      FinishedAt: '',
    },
    Config: { Image: 'busybox', Env: ['SECRET=s3cret', 'PATH=/bin'], Cmd: ['sh'], Tty: false, OpenStdin: false },
    HostConfig: {},
    NetworkSettings: {},
    Mounts: [],
    RestartCount: 0,
  } as unknown as EngineContainerInspect;

  it('redacts env values in the view and in raw, keeps the keys, and leaves the engine document alone', () => {
    const redacted = redactInspect(toInspect(inspect));
    expect(redacted.env).toEqual(['SECRET=<redacted>', 'PATH=<redacted>']);
    expect((redacted.raw.Config as { Env: string[] }).Env).toEqual(['SECRET=<redacted>', 'PATH=<redacted>']);
    expect(JSON.stringify(redacted)).not.toContain('s3cret');
    expect(redacted.raw.Id).toBe('abc');
    expect(inspect.Config.Env).toEqual(['SECRET=s3cret', 'PATH=/bin']);
  });

  it("redacts the log driver's options and a mount's volume driver options (values, keys kept)", () => {
    const withOptions = {
      ...inspect,
      HostConfig: {
        LogConfig: { Type: 'splunk', Config: { 'splunk-token': 'tok3n', 'splunk-url': 'https://splunk' } },
        Mounts: [
          {
            Type: 'volume',
            Target: '/data',
            VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'cifs', o: 'password=pw0rd' } } },
          },
          { Type: 'bind', Source: '/srv/data', Target: '/srv' },
        ],
      },
    } as unknown as EngineContainerInspect;
    const redacted = redactInspect(toInspect(withOptions));
    const host = redacted.raw.HostConfig as any;
    expect(host.LogConfig).toEqual({ Type: 'splunk', Config: { 'splunk-token': '<redacted>', 'splunk-url': '<redacted>' } });
    expect(host.Mounts[0].VolumeOptions.DriverConfig).toEqual({ Name: 'local', Options: { type: '<redacted>', o: '<redacted>' } });
    expect(host.Mounts[1]).toEqual({ Type: 'bind', Source: '/srv/data', Target: '/srv' });
    expect(JSON.stringify(redacted)).not.toMatch(/tok3n|pw0rd/);
    expect((withOptions.HostConfig as any).LogConfig.Config['splunk-token']).toBe('tok3n');
  });

  it('copes with a container without env', () => {
    const bare = { ...inspect, Config: { ...inspect.Config, Env: null } } as unknown as EngineContainerInspect;
    expect(redactInspect(toInspect(bare)).env).toEqual([]);
  });
});
