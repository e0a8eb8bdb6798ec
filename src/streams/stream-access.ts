import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Authenticator } from '../auth/authenticator.js';
import { Role, roleAllows } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { WsTickets } from './ws-tickets.js';

/**
 * Who opens a stream: a bearer credential on the upgrade request (JWT or API key), else a
 * one-time ticket in the query, for browsers. Checked before any upgrade, like the HTTP guard.
 */
@Injectable()
export class StreamAccess {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tickets: WsTickets,
  ) {}

  /** The caller of an upgrade; 401 without valid credentials. */
  async authenticate(request: IncomingMessage, url: URL): Promise<Principal> {
    const header = request.headers.authorization;
    const ticket = url.searchParams.get('ticket');
    let principal: Principal | null = null;
    if (header !== undefined) {
      const bearer = /^Bearer +(\S+) *$/i.exec(header);
      principal = bearer ? await this.authenticator.authenticate(bearer[1]) : null;
    } else if (ticket) {
      principal = this.tickets.redeem(ticket);
    }
    if (!principal) {
      throw new ProblemException(
        401,
        'UNAUTHENTICATED',
        'Missing or invalid credentials: send Authorization: Bearer or a ?ticket= from POST /api/v1/ws/tickets.',
        {
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
    }
    return principal;
  }
}

/** 403 unless the principal (on a channel under a host: as it acts there) has at least `role`. */
export function requireChannelRole(principal: Principal, role: Role): void {
  if (!roleAllows(principal.role, role)) {
    throw new ProblemException(403, 'FORBIDDEN', `This channel needs the role '${role}'; yours is '${principal.role}'.`);
  }
}
