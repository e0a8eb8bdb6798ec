export class MemoryStatsDto {
  /** Usage minus the page cache that can be reclaimed, as `docker stats` shows it. */
  usageBytes: number;
  limitBytes: number;
  percent: number;
}

export class IoTotalsDto {
  readBytes: number;
  writeBytes: number;
}

export class NetworkTotalsDto {
  rxBytes: number;
  txBytes: number;
}

/** One `docker stats --no-stream` sample. */
export class ContainerStatsDto {
  /** When the engine read the sample. */
  readAt: string;
  /** CPU use in percent of one CPU (200 = two CPUs busy), as `docker stats`. */
  cpuPercent: number;
  onlineCpus: number;
  memory: MemoryStatsDto;
  network: NetworkTotalsDto;
  blockIo: IoTotalsDto;
  pids: number;
}
