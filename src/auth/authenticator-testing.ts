import type { Principal } from '../common/principal.js';
import { Authenticator, type Revocation } from './authenticator.js';

/**
 * For unit tests of code that checks a principal is still current: no credential is valid, no revocation is heard,
 * and a principal is revoked since it was checked only once put in `revoked`.
 */
export class TestAuthenticator extends Authenticator {
  readonly revoked = new Set<Principal>();

  authenticate(): Promise<Principal | null> {
    return Promise.resolve(null);
  }

  onRevoked(_listener: (revocation: Revocation) => void): () => void {
    return () => undefined;
  }

  revokedSince(principal: Principal): boolean {
    return this.revoked.has(principal);
  }
}
