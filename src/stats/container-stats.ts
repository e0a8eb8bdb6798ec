import type { EngineContainerStats } from '../docker/engine-types.js';
import type { ContainerStatsDto } from './container-stats.dto.js';

/**
 * One sample as `docker stats` computes it: CPU from the delta to the previous sample
 * (`precpu_stats`) relative to the whole system, times the CPUs; memory without the
 * reclaimable page cache (cgroup v1 `total_inactive_file`, v2 `inactive_file`, as the 20.10 CLI).
 */
export function toStats(stats: EngineContainerStats): ContainerStatsDto {
  const cpu = stats.cpu_stats;
  const previous = stats.precpu_stats;
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 0;
  const cpuDelta = cpu.cpu_usage.total_usage - (previous?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : 0;

  const memory = stats.memory_stats ?? {};
  const usage = memory.usage ?? 0;
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file;
  const usageBytes = inactive !== undefined && inactive < usage ? usage - inactive : usage;
  const limitBytes = memory.limit ?? 0;

  const networks = Object.values(stats.networks ?? {});
  const io = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const ioSum = (op: string) => io.filter((entry) => entry.op.toLowerCase() === op).reduce((total, entry) => total + entry.value, 0);

  return {
    readAt: new Date(stats.read).toISOString(),
    cpuPercent: round(cpuPercent),
    onlineCpus,
    memory: { usageBytes, limitBytes, percent: limitBytes > 0 ? round((usageBytes / limitBytes) * 100) : 0 },
    network: {
      rxBytes: networks.reduce((total, n) => total + n.rx_bytes, 0),
      txBytes: networks.reduce((total, n) => total + n.tx_bytes, 0),
    },
    blockIo: { readBytes: ioSum('read'), writeBytes: ioSum('write') },
    pids: stats.pids_stats?.current ?? 0,
  };
}

const round = (value: number) => Math.round(value * 100) / 100;
