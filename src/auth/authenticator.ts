import type { Principal } from '../common/principal.js';

/**
 * Access that ended. `{ apiKeyId }`: that key only (revoked). `{ userId }`: everything of that
 * user, sessions and keys (disabled, deleted, or role lowered: reconnecting gets the new role).
 */
export interface Revocation {
  userId?: string;
  apiKeyId?: string;
}

/**
 * The port through which anything outside src/auth checks credentials: the HTTP guard,
 * the WebSocket upgrade, long-lived streams that must end when access does.
 */
export abstract class Authenticator {
  /** The principal of a bearer credential (JWT or `berth_` API key); null when bad, expired or revoked. */
  abstract authenticate(credential: string): Promise<Principal | null>;

  /** Subscribes to revocations (key revoked, user disabled or deleted or demoted); returns the unsubscribe. */
  abstract onRevoked(listener: (revocation: Revocation) => void): () => void;
}
