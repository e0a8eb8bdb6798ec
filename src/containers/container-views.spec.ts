import { describe, expect, it } from 'vitest';
import type { EngineContainerInspect, EngineContainerStats, EngineContainerSummary } from '../docker/engine-types.js';
import { portsFrom, primaryName, redactInspect, toInspect, toStats, toSummary } from './container-views.js';

const cpu = (total: number, system: number, online = 2) => ({ cpu_usage: { total_usage: total }, system_cpu_usage: system, online_cpus: online });

describe('toStats (docker stats arithmetic)', () => {
  const sample = (overrides: Partial<EngineContainerStats> = {}): EngineContainerStats => ({
    read: '2026-11-25T12:00:01.5Z',
    cpu_stats: cpu(1_500_000_000, 20_000_000_000),
    precpu_stats: cpu(1_000_000_000, 18_000_000_000),
    memory_stats: { usage: 100_000_000, limit: 400_000_000, stats: { total_inactive_file: 20_000_000, inactive_file: 20_000_000, cache: 30_000_000 } },
    networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 8192 }, { op: 'Read', value: 4 }, { op: 'Total', value: 99 }] },
    pids_stats: { current: 3 },
    ...overrides,
  });

  it('computes CPU percent from the deltas times the online CPUs, and memory without inactive file cache', () => {
    const stats = toStats(sample());
    // (0.5e9 / 2e9) * 2 CPUs * 100
    expect(stats.cpuPercent).toBe(50);
    expect(stats.onlineCpus).toBe(2);
    expect(stats.memory).toEqual({ usageBytes: 80_000_000, limitBytes: 400_000_000, percent: 20 });
    expect(stats.network).toEqual({ rxBytes: 11, txBytes: 22 });
    expect(stats.blockIo).toEqual({ readBytes: 4100, writeBytes: 8192 });
    expect(stats.pids).toBe(3);
    expect(stats.readAt).toBe('2026-11-25T12:00:01.500Z');
  });

  it('uses cgroup v2 inactive_file and the per-CPU list when online_cpus is missing', () => {
    const stats = toStats(
      sample({
        cpu_stats: { cpu_usage: { total_usage: 300, percpu_usage: [1, 2, 3, 4] }, system_cpu_usage: 1000 },
        precpu_stats: cpu(100, 600),
        memory_stats: { usage: 50, limit: 100, stats: { inactive_file: 10 } },
      }),
    );
    expect(stats.onlineCpus).toBe(4);
    expect(stats.cpuPercent).toBe(200);
    expect(stats.memory.usageBytes).toBe(40);
  });

  it('answers zeros for a stopped container instead of dividing by zero', () => {
    const stats = toStats({ read: '0001-01-01T00:00:00Z', cpu_stats: cpu(0, 0, 0), precpu_stats: cpu(0, 0, 0), memory_stats: {}, networks: null });
    expect(stats).toMatchObject({ cpuPercent: 0, memory: { usageBytes: 0, limitBytes: 0, percent: 0 }, network: { rxBytes: 0, txBytes: 0 }, pids: 0 });
  });
});

describe('summaries', () => {
  it('drops the leading slash, prefers the own name over link aliases, makes ports objects and times ISO', () => {
    const summary = toSummary({
      Id: 'abc',
      Names: ['/db/alias', '/web'],
      Image: 'busybox',
      ImageID: 'sha256:1',
      Command: 'httpd',
      Created: 1764072000,
      Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' }],
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
    State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '' },
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

  it('copes with a container without env', () => {
    const bare = { ...inspect, Config: { ...inspect.Config, Env: null } } as unknown as EngineContainerInspect;
    expect(redactInspect(toInspect(bare)).env).toEqual([]);
  });
});
