import type { Principal } from '../common/principal.js';
import type { Revocation } from '../revocations/revocations.js';

// Part of the port: what its subscribers hear.
export type { Revocation };

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
