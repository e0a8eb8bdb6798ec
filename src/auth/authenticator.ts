import type { Principal } from '../common/principal.js';

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

/**
 * The port through which anything outside src/auth checks credentials: the HTTP guard,
 * the WebSocket upgrade, long-lived streams that must end when access does.
 */
export abstract class Authenticator {
  /** The principal of a bearer credential (JWT or `berth_` API key); null when bad, expired or revoked. */
  abstract authenticate(credential: string): Promise<Principal | null>;

  /** Subscribes to revocations (key revoked, user disabled, deleted, role changed, password changed); returns the unsubscribe. */
  abstract onRevoked(listener: (revocation: Revocation) => void): () => void;
}
