import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { type Revocation, endsAccess, endsAccessOn } from '../revocations/revocations.js';

// Part of the port: what its subscribers hear, and whose access it ends.
export { type Revocation, endsAccess, endsAccessOn };

/**
 * The port through which anything outside src/auth checks credentials: the HTTP guard,
 * the WebSocket upgrade, long-lived streams that must end when access does.
 */
export abstract class Authenticator {
  /** The principal of a bearer credential (JWT or `berth_` API key); null when bad, expired or revoked. */
  abstract authenticate(credential: string): Promise<Principal | null>;

  /** Subscribes to revocations (key revoked, user disabled, deleted, role changed, password changed, logged out); returns the unsubscribe. */
  abstract onRevoked(listener: (revocation: Revocation) => void): () => void;

  /**
   * Whether a revocation since this principal was checked ends it: ask before acting on a principal held across
   * something slow (an upload, an engine call), which the revocation's listeners did not see.
   */
  abstract revokedSince(principal: Principal): boolean;

  /** Calls `ended` once, when a revocation ends this principal's access; answers the unsubscribe. */
  watch(principal: Principal | undefined, ended: () => void): () => void {
    if (!principal) return () => undefined;
    const stop = this.onRevoked((revocation) => {
      if (!endsAccess(revocation, principal)) return;
      stop();
      ended();
    });
    return stop;
  }

  /** 401 when revokedSince: for a step with effects that follows something slow (a pull before a create, an upload). */
  assertCurrent(principal: Principal | undefined): void {
    if (principal && this.revokedSince(principal)) throw accessEndedMeanwhile();
  }
}

/** A request whose credentials were revoked, or whose role changed, while it ran: nothing more of it is done. */
export function accessEndedMeanwhile(): ProblemException {
  return new ProblemException(
    401,
    'UNAUTHENTICATED',
    'Your credentials were revoked or your role changed while the request ran; send it again.',
    {
      headers: { 'WWW-Authenticate': 'Bearer realm="berth"' },
    },
  );
}
