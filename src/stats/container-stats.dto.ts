import { ApiProperty } from '@nestjs/swagger';

export class MemoryStatsDto {
  /**
   * Usage minus the page cache that can be reclaimed, as `docker stats` shows it.
   * @example 2498560
   */
  @ApiProperty({ type: 'integer' })
  usageBytes: number;
  /** @example 268435456 */
  @ApiProperty({ type: 'integer' })
  limitBytes: number;
  /** @example 0.93 */
  percent: number;
}

export class IoTotalsDto {
  /** @example 1196032 */
  @ApiProperty({ type: 'integer' })
  readBytes: number;
  /** @example 4096 */
  @ApiProperty({ type: 'integer' })
  writeBytes: number;
}

export class NetworkTotalsDto {
  /** @example 10864 */
  @ApiProperty({ type: 'integer' })
  rxBytes: number;
  /** @example 2590 */
  @ApiProperty({ type: 'integer' })
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
  @ApiProperty({ type: 'integer' })
  onlineCpus: number;
  memory: MemoryStatsDto;
  network: NetworkTotalsDto;
  blockIo: IoTotalsDto;
  /** @example 1 */
  @ApiProperty({ type: 'integer' })
  pids: number;
}
