import type { Principal } from '../common/principal.js';
import { Authenticator, type Revocation } from './authenticator.js';

/**
 * For unit tests of code that checks a principal is still current: no credential is valid, revocations are announced
 * by hand (`revoke`), and a principal is revoked since it was checked only once put in `revoked`.
 */
export class TestAuthenticator extends Authenticator {
  readonly revoked = new Set<Principal>();
  private readonly listeners = new Set<(revocation: Revocation) => void>();

  authenticate(): Promise<Principal | null> {
    return Promise.resolve(null);
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  revoke(revocation: Revocation): void {
    for (const listener of [...this.listeners]) listener(revocation);
  }

  revokedSince(principal: Principal): boolean {
    return this.revoked.has(principal);
  }
}
