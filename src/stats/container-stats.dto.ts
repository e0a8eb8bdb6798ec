import { ApiProperty } from '@nestjs/swagger';

export class MemoryStatsDto {
  /** Usage minus the page cache that can be reclaimed, as `docker stats` shows it. */
  @ApiProperty({ type: 'integer' })
  usageBytes: number;
  @ApiProperty({ type: 'integer' })
  limitBytes: number;
  percent: number;
}

export class IoTotalsDto {
  @ApiProperty({ type: 'integer' })
  readBytes: number;
  @ApiProperty({ type: 'integer' })
  writeBytes: number;
}

export class NetworkTotalsDto {
  @ApiProperty({ type: 'integer' })
  rxBytes: number;
  @ApiProperty({ type: 'integer' })
  txBytes: number;
}

/** One `docker stats --no-stream` sample. */
export class ContainerStatsDto {
  /** When the engine read the sample. */
  readAt: string;
  /** CPU use in percent of one CPU (200 = two CPUs busy), as `docker stats`. */
  cpuPercent: number;
  @ApiProperty({ type: 'integer' })
  onlineCpus: number;
  memory: MemoryStatsDto;
  network: NetworkTotalsDto;
  blockIo: IoTotalsDto;
  @ApiProperty({ type: 'integer' })
  pids: number;
}
