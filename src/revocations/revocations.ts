import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * Access that ended. `{ apiKeyId }`: that key only (revoked). `{ userId }`: everything of that
 * user, sessions and keys (disabled, deleted, or role changed: reconnecting gets the new role).
 * `{ userId, sessionsOnly }`: the user's login sessions, not their keys (password changed).
 */
export interface Revocation {
  userId?: string;
  apiKeyId?: string;
  sessionsOnly?: boolean;
}

/** Where "this access ended" is announced, so that open streams can close at once. */
@Injectable()
export class Revocations {
  private readonly logger = new Logger('Revocations');
  private readonly events = new EventEmitter().setMaxListeners(0);

  emit(revocation: Revocation): void {
    this.events.emit('revoked', revocation);
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
