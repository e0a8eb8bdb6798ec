import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type Revocation, endsAccess } from '../auth/authenticator.js';
import type { Principal } from '../common/principal.js';

export const TICKET_TTL_MS = 30_000;
/** Outstanding tickets per user; the oldest goes when a user asks for more. */
const TICKETS_PER_USER = 16;

interface Ticket {
  principal: Principal;
  expiresAt: number;
}

/**
 * One-time tickets for WebSocket upgrades. In memory on purpose: they live 30 seconds, a
 * restart only makes clients ask again, and a ticket never touches disk. With several
 * Berth replicas a client must upgrade on the replica that issued its ticket.
 */
@Injectable()
export class WsTickets implements OnModuleDestroy {
  private readonly tickets = new Map<string, Ticket>();
  private readonly sweeper = setInterval(() => this.sweep(), TICKET_TTL_MS).unref();

  issue(principal: Principal): { ticket: string; expiresAt: Date } {
    const mine = [...this.tickets].filter(([, t]) => sameCredential(t.principal, principal));
    for (const [ticket] of mine.slice(0, Math.max(0, mine.length - TICKETS_PER_USER + 1))) this.tickets.delete(ticket);
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + TICKET_TTL_MS;
    this.tickets.set(ticket, { principal, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt) };
  }

  /** The principal a ticket was issued to, once; null when unknown, used or expired. */
  redeem(ticket: string): Principal | null {
    const found = this.tickets.get(ticket);
    if (!found) return null;
    this.tickets.delete(ticket);
    return found.expiresAt > Date.now() ? found.principal : null;
  }

  /** Tickets of a revoked key, user or login stop working at once, like its sockets. */
  revoke(revocation: Revocation): void {
    for (const [ticket, { principal }] of this.tickets) {
      if (endsAccess(revocation, principal)) this.tickets.delete(ticket);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [ticket, { expiresAt }] of this.tickets) if (expiresAt <= now) this.tickets.delete(ticket);
  }
}

function sameCredential(a: Principal, b: Principal): boolean {
  return a.userId === b.userId && a.apiKeyId === b.apiKeyId;
}
