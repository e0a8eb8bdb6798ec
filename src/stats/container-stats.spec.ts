import { describe, expect, it } from 'vitest';
import type { EngineContainerStats } from '../docker/engine-types.js';
import { toStats } from './container-stats.js';

const cpu = (total: number, system: number, online = 2) => ({
  cpu_usage: { total_usage: total },
  system_cpu_usage: system,
  online_cpus: online,
});

describe('toStats (docker stats arithmetic)', () => {
  const sample = (overrides: Partial<EngineContainerStats> = {}): EngineContainerStats => ({
    read: '2026-11-25T12:00:01.5Z',
    cpu_stats: cpu(1_500_000_000, 20_000_000_000),
    precpu_stats: cpu(1_000_000_000, 18_000_000_000),
    memory_stats: {
      usage: 100_000_000,
      limit: 400_000_000,
      stats: { total_inactive_file: 20_000_000, inactive_file: 20_000_000, cache: 30_000_000 },
    },
    networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    blkio_stats: {
      io_service_bytes_recursive: [
        { op: 'Read', value: 4096 },
        { op: 'Write', value: 8192 },
        { op: 'Read', value: 4 },
        { op: 'Total', value: 99 },
      ],
    },
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
    const stats = toStats({
      read: '0001-01-01T00:00:00Z',
      cpu_stats: cpu(0, 0, 0),
      precpu_stats: cpu(0, 0, 0),
      memory_stats: {},
      networks: null,
    });
    expect(stats).toMatchObject({
      cpuPercent: 0,
      memory: { usageBytes: 0, limitBytes: 0, percent: 0 },
      network: { rxBytes: 0, txBytes: 0 },
      pids: 0,
    });
  });
});
