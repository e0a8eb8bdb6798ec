import { ApiProperty } from '@nestjs/swagger';

/** A one-time credential for a WebSocket upgrade, for browsers (which cannot set headers). */
export class WsTicketDto {
  /**
   * Pass it as `?ticket=` on one upgrade within 30 seconds; it works once.
   * @example Hx2dJ9sVq4mK7pLw1nRt8yB3cF6gZ0aE
   */
  ticket!: string;
  /**
   * When it stops working.
   * @example 2026-11-26T17:03:41.000Z
   */
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
