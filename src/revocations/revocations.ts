import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { grantedRole } from '../common/host-grants.js';
import type { Principal } from '../common/principal.js';

/**
 * Access that ended or changed. `{ apiKeyId }`: that key only (revoked). `{ userId }`: everything of that
 * user, sessions and keys (disabled or deleted). `{ userId, sessionsOnly }`: the user's login sessions, not their
 * keys (password changed). `{ sessionId }`: one login, its access tokens included (logged out, or its refresh token
 * presented twice). `{ userId, changed }`: the user's role or host roles changed: their credentials stay, but
 * whatever holds the old access (a cached principal, a ticket, an open stream, a queued job) ends, so that the next
 * request, reconnection or start gets the new one. `{ hostLabels, changed }`: a host's labels changed, and with them
 * the role that label grants give there: the same, for every principal whose role on that host is not what it was.
 */
export interface Revocation {
  userId?: string;
  apiKeyId?: string;
  sessionsOnly?: boolean;
  sessionId?: string;
  changed?: boolean;
  hostLabels?: { hostId: string; before: Record<string, string>; after: Record<string, string> };
}

/** Revocations remembered for principals checked before them and still in use (a long upload, a WebSocket upgrade). */
const REMEMBERED = 10_000;

/** Whether a revocation ends this principal's access (a cached credential, a WebSocket ticket, an open stream). */
export function endsAccess(revocation: Revocation, principal: Principal): boolean {
  if (revocation.hostLabels !== undefined) {
    const { hostId, before, after } = revocation.hostLabels;
    const grants = principal.hostGrants ?? [];
    return grantedRole(grants, { id: hostId, labels: before }) !== grantedRole(grants, { id: hostId, labels: after });
  }
  if (revocation.apiKeyId !== undefined && principal.apiKeyId === revocation.apiKeyId) return true;
  if (revocation.sessionId !== undefined && principal.kind === 'user' && principal.sessionId === revocation.sessionId) return true;
  if (revocation.userId === undefined || principal.userId !== revocation.userId) return false;
  return !revocation.sessionsOnly || principal.kind === 'user';
}

/**
 * endsAccess for what is held on one host (a stream, a job): a relabel changes roles on the relabelled host only, so
 * what the same principal holds on another host goes on. Undefined `hostId`: held across hosts, ended as endsAccess.
 */
export function endsAccessOn(revocation: Revocation, principal: Principal, hostId: string | undefined): boolean {
  const relabelled = revocation.hostLabels?.hostId;
  if (relabelled !== undefined && hostId !== undefined && hostId !== relabelled) return false;
  return endsAccess(revocation, principal);
}

/** Where "this access ended" is announced, so that cached credentials, open streams and jobs end at once. */
@Injectable()
export class Revocations {
  private readonly logger = new Logger('Revocations');
  private readonly events = new EventEmitter().setMaxListeners(0);
  private count = 0;
  /** The last REMEMBERED revocations, oldest first: the last one is number `count`. */
  private readonly recent: Revocation[] = [];

  /** How many revocations so far: a principal checked now carries it (`Principal.checkedAt`). */
  get sequence(): number {
    return this.count;
  }

  emit(revocation: Revocation): void {
    this.count += 1;
    this.recent.push(revocation);
    if (this.recent.length > REMEMBERED) this.recent.shift();
    this.events.emit('revoked', revocation);
  }

  /**
   * Whether a revocation after `principal` was checked ends it: for a principal held while something slow ran (an
   * upload before its job starts, an engine call before a stream is admitted), which no cache eviction reaches. One
   * checked before the oldest remembered revocation cannot be told apart: it counts as ended. One without `checkedAt`
   * is not tracked.
   */
  endedSince(principal: Principal): boolean {
    const since = principal.checkedAt;
    if (since === undefined || since >= this.count) return false;
    const first = this.count - this.recent.length;
    if (since < first) return true;
    for (let i = since - first; i < this.recent.length; i += 1) if (endsAccess(this.recent[i], principal)) return true;
    return false;
  }

  subscribe(listener: (revocation: Revocation) => void): () => void {
    // A failing listener must not keep the others from hearing about the revocation.
    const safe = (revocation: Revocation) => {
      try {
        listener(revocation);
      } catch (error) {
        this.logger.error({ err: error }, 'revocation listener failed');
      }
    };
    this.events.on('revoked', safe);
    return () => this.events.off('revoked', safe);
  }
}
