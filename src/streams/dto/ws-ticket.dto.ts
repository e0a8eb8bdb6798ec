import { ApiProperty } from '@nestjs/swagger';

/** A one-time credential for a WebSocket upgrade, for browsers (which cannot set headers). */
export class WsTicketDto {
  /** Pass it as `?ticket=` on one upgrade within 30 seconds; it works once. */
  ticket!: string;
  /** When it stops working. */
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
