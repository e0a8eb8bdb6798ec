import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Revocation } from './authenticator.js';

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
