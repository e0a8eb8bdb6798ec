export class MemoryStatsDto {
  /**
   * Usage minus the page cache that can be reclaimed, as `docker stats` shows it.
   * @example 2498560
   */
  usageBytes: number;
  /** @example 268435456 */
  limitBytes: number;
  /** @example 0.93 */
  percent: number;
}

export class IoTotalsDto {
  /** @example 1196032 */
  readBytes: number;
  /** @example 4096 */
  writeBytes: number;
}

export class NetworkTotalsDto {
  /** @example 10864 */
  rxBytes: number;
  /** @example 2590 */
  txBytes: number;
}

/** One `docker stats --no-stream` sample. */
export class ContainerStatsDto {
  /**
   * When the engine read the sample.
   * @example 2026-11-26T17:12:40.512738904Z
   */
  readAt: string;
  /**
   * CPU use in percent of one CPU (200 = two CPUs busy), as `docker stats`.
   * @example 0.35
   */
  cpuPercent: number;
  /** @example 2 */
  onlineCpus: number;
  memory: MemoryStatsDto;
  network: NetworkTotalsDto;
  blockIo: IoTotalsDto;
  /** @example 1 */
  pids: number;
}
