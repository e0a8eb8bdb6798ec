import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { UsersService, hostGrantsOf } from '../users/users.service.js';
import { API_KEY_PREFIX, ApiKeysService, hashApiKey } from './api-keys.service.js';
import { Authenticator, Revocation } from './authenticator.js';
import { Revocations } from '../revocations/revocations.js';
import { PrincipalCache } from './principal-cache.js';
import { RefreshTokens } from './refresh-tokens.js';
import { AccessTokens } from './tokens.js';

/** How long a checked credential is reused at most, even without a revocation (a bound on anything that escapes one). */
export const PRINCIPAL_REUSE_MS = 60_000;

/**
 * Checks a bearer credential against the database, and reuses the answer for the credential's
 * life (at most PRINCIPAL_REUSE_MS): every revocation (key revoked, user disabled, deleted, role,
 * per-host roles or password changed, logged out) drops what it ends at once, so revoking takes effect on the next request.
 */
@Injectable()
export class CredentialAuthenticator extends Authenticator {
  private readonly cache = new PrincipalCache();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
    private readonly revocations: Revocations,
    private readonly logins: RefreshTokens,
  ) {
    super();
    // Subscribed first: the cache forgets before any stream hears of the revocation.
    this.revocations.subscribe((revocation) => this.cache.revoke(revocation));
  }

  async authenticate(credential: string): Promise<Principal | null> {
    // A SHA-256 of the credential (the one stored keys are found by): the credential itself is not kept.
    const key = hashApiKey(credential);
    const cached = this.cache.get(key);
    // Restamped once per revocation, not per request: so a held principal is told apart however many came before.
    if (cached) return cached.checkedAt === this.revocations.sequence ? cached : this.cache.restamp(key, this.revocations.sequence)!;
    const since = this.cache.begin();
    const checkedAt = this.revocations.sequence;
    const checked = await this.check(credential);
    if (!checked) return null;
    const principal = { ...checked.principal, checkedAt };
    this.cache.set(key, principal, Math.min(checked.reusableUntil, Date.now() + PRINCIPAL_REUSE_MS), since);
    return principal;
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    return this.revocations.subscribe(listener);
  }

  revokedSince(principal: Principal): boolean {
    return this.revocations.endedSince(principal);
  }

  private async check(credential: string): Promise<{ principal: Principal; reusableUntil: number } | null> {
    if (credential.startsWith(API_KEY_PREFIX)) return this.apiKeys.check(credential);
    const claims = await this.tokens.verify(credential);
    if (!claims) return null;
    const user = await this.users.findActive(claims.sub);
    if (!user || user.tokenVersion !== claims.ver) return null;
    // A token names its login: one logged out (or whose refresh token was presented twice) has ended.
    if (claims.sid !== undefined && !(await this.logins.isLive(claims.sid))) return null;
    const hostGrants = hostGrantsOf(user);
    const principal: Principal = {
      kind: 'user',
      userId: user.id,
      username: user.username,
      role: user.role,
      ...(hostGrants.length > 0 && { hostGrants }),
      ...(claims.sid !== undefined && { sessionId: claims.sid }),
    };
    return { principal, reusableUntil: claims.exp === undefined ? Date.now() : claims.exp * 1000 };
  }
}
