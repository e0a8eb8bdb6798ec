import { plainToInstance } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { ContainerCreateDto } from './dto/container-create.dto.js';
import { toEngineCreate, toEngineListQuery } from './engine-spec.js';

describe('toEngineCreate', () => {
  it('sends what docker run sends for the usual flags', () => {
    const dto = plainToInstance(ContainerCreateDto, {
      image: 'nginx:1.27',
      cmd: ['nginx', '-g', 'daemon off;'],
      entrypoint: [],
      env: ['A=1'],
      ports: [
        { containerPort: 80, hostPort: 8080 },
        { containerPort: 80, hostPort: 8081, hostIp: '127.0.0.1' },
        { containerPort: 53, protocol: 'udp' },
      ],
      binds: ['/srv/www:/usr/share/nginx/html:ro'],
      mounts: [{ type: 'tmpfs', target: '/cache' }],
      autoRemove: true,
      labels: { team: 'web' },
      workingDir: '/app',
      user: '1000:1000',
      tty: true,
      network: 'backend',
      hostname: 'web-1',
      memoryBytes: 268435456,
      cpus: 1.5,
      capDrop: ['NET_RAW'],
    });
    const spec = toEngineCreate(dto);
    expect(spec).toMatchObject({
      Image: 'nginx:1.27',
      Cmd: ['nginx', '-g', 'daemon off;'],
      Entrypoint: [''],
      Env: ['A=1'],
      Labels: { team: 'web' },
      WorkingDir: '/app',
      User: '1000:1000',
      Hostname: 'web-1',
      Tty: true,
      OpenStdin: false,
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    });
    expect(spec.HostConfig).toEqual({
      PortBindings: {
        '80/tcp': [
          { HostIp: '', HostPort: '8080' },
          { HostIp: '127.0.0.1', HostPort: '8081' },
        ],
        '53/udp': [{ HostIp: '', HostPort: '' }],
      },
      Binds: ['/srv/www:/usr/share/nginx/html:ro'],
      Mounts: [{ Type: 'tmpfs', Source: '', Target: '/cache', ReadOnly: false }],
      AutoRemove: true,
      NetworkMode: 'backend',
      Memory: 268435456,
      NanoCpus: 1_500_000_000,
      Privileged: false,
      CapDrop: ['NET_RAW'],
    });
  });

  it('leaves out what was not asked for, so the image defaults hold', () => {
    const spec = toEngineCreate(plainToInstance(ContainerCreateDto, { image: 'busybox' }));
    expect(spec).not.toHaveProperty('Cmd');
    expect(spec).not.toHaveProperty('Entrypoint');
    expect(spec).not.toHaveProperty('ExposedPorts');
    expect(spec.HostConfig).toEqual({ AutoRemove: false, Privileged: false });
  });

  it('passes restart policy and devices in the engine form', () => {
    const spec = toEngineCreate(
      plainToInstance(ContainerCreateDto, {
        image: 'x',
        restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
        devices: [{ pathOnHost: '/dev/fuse' }],
      }),
    );
    expect(spec.HostConfig).toMatchObject({
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    });
  });
});

describe('toEngineCreate with networks', () => {
  it.each<[string, Record<string, unknown>, unknown, unknown]>([
    ['a network mode', { network: 'bridge' }, 'bridge', undefined],
    ['one network without aliases', { networks: [{ name: 'n1' }] }, 'n1', undefined],
    [
      'the first network with its aliases; the others are connected later',
      {
        networks: [
          { name: 'n1', aliases: ['db'] },
          { name: 'n2', aliases: ['x'] },
        ],
      },
      'n1',
      { EndpointsConfig: { n1: { Aliases: ['db'] } } },
    ],
  ])('%s', (_what, dto, networkMode, networkingConfig) => {
    const spec = toEngineCreate({ image: 'busybox', ...dto } as never);
    expect(spec.HostConfig?.NetworkMode).toBe(networkMode);
    expect(spec.NetworkingConfig).toEqual(networkingConfig);
  });
});

describe('toEngineListQuery', () => {
  it('maps docker ps flags to engine filters', () => {
    expect(toEngineListQuery({ label: ['a=b', 'c'], name: ['web'], before: 'x', health: 'healthy', last: 5 })).toEqual({
      all: false,
      limit: 5,
      filters: { label: ['a=b', 'c'], name: ['web'], before: ['x'], health: ['healthy'] },
    });
  });

  it('implies all for stopped states, as the CLI does', () => {
    expect(toEngineListQuery({ status: ['exited'] }).all).toBe(true);
    expect(toEngineListQuery({ status: ['running'] }).all).toBe(false);
    expect(toEngineListQuery({ status: ['exited'], all: false }).all).toBe(false);
  });
});
