import type { EngineEvent, EngineStatsSample } from '../docker/engine-types.js';

/** An engine event as Berth sends it. */
export interface StreamEvent {
  type: string;
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  scope?: string;
  /** ISO-8601 time of the event. */
  time: string;
  /** The engine's nanosecond time, for ordering and resuming. */
  timeNano: number;
}

export function normalizeEvent(event: EngineEvent): StreamEvent {
  const timeNano = event.timeNano ?? event.time * 1e9;
  return {
    type: event.Type,
    action: event.Action,
    actor: { id: event.Actor?.ID ?? '', attributes: event.Actor?.Attributes ?? {} },
    ...(event.scope && { scope: event.scope }),
    time: new Date(Math.floor(timeNano / 1e6)).toISOString(),
    timeNano,
  };
}

/** One stats sample, as `docker stats` shows it. */
export interface StatsSample {
  ts: string;
  cpuPercent: number;
  memory: { usageBytes: number; limitBytes: number; percent: number };
  network: { rxBytes: number; txBytes: number };
  blockIo: { readBytes: number; writeBytes: number };
  pids: number;
}

/** The engine's raw sample, computed as the docker CLI does (memory without inactive page cache). */
export function normalizeStats(sample: EngineStatsSample): StatsSample {
  const cpuDelta = sample.cpu_stats.cpu_usage.total_usage - (sample.precpu_stats.cpu_usage?.total_usage ?? 0);
  const systemDelta = (sample.cpu_stats.system_cpu_usage ?? 0) - (sample.precpu_stats.system_cpu_usage ?? 0);
  const cpus = sample.cpu_stats.online_cpus || sample.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const stats = sample.memory_stats.stats ?? {};
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  const usageBytes = Math.max(0, (sample.memory_stats.usage ?? 0) - cache);
  const limitBytes = sample.memory_stats.limit ?? 0;
  let rxBytes = 0;
  let txBytes = 0;
  for (const network of Object.values(sample.networks ?? {})) {
    rxBytes += network.rx_bytes;
    txBytes += network.tx_bytes;
  }
  let readBytes = 0;
  let writeBytes = 0;
  for (const entry of sample.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (/^read$/i.test(entry.op)) readBytes += entry.value;
    if (/^write$/i.test(entry.op)) writeBytes += entry.value;
  }
  return {
    ts: sample.read,
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memory: { usageBytes, limitBytes, percent: limitBytes > 0 ? Math.round((usageBytes / limitBytes) * 10_000) / 100 : 0 },
    network: { rxBytes, txBytes },
    blockIo: { readBytes, writeBytes },
    pids: sample.pids_stats?.current ?? 0,
  };
}
