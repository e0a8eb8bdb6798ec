import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { WsTicketDto } from './dto/ws-ticket.dto.js';
import { WsTickets } from './ws-tickets.js';

@ApiTags('streams')
@Controller('api/v1/ws/tickets')
export class WsTicketsController {
  constructor(private readonly tickets: WsTickets) {}

  /**
   * A one-time ticket for a WebSocket upgrade (`?ticket=`), valid 30 seconds, bound to the
   * caller: for browsers, which cannot set an Authorization header on a WebSocket.
   */
  @Post()
  @HttpCode(201)
  @RequireRole('viewer')
  @ApiCreatedResponse({ type: WsTicketDto, description: 'The ticket; it is shown once.' })
  createWsTicket(@CurrentPrincipal() principal: Principal | undefined): WsTicketDto {
    if (!principal) throw new ProblemException(401, 'UNAUTHENTICATED', 'Missing or invalid credentials.');
    const { ticket, expiresAt } = this.tickets.issue(principal);
    return { ticket, expiresAt: expiresAt.toISOString() };
  }
}
