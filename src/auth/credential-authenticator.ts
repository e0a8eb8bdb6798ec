import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { UsersService } from '../users/users.service.js';
import { API_KEY_PREFIX, ApiKeysService } from './api-keys.service.js';
import { Authenticator, Revocation } from './authenticator.js';
import { Revocations } from '../revocations/revocations.js';
import { AccessTokens } from './tokens.js';

/** Checks a bearer credential against the database on every use, so that revoking one takes effect at once. */
@Injectable()
export class CredentialAuthenticator extends Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
    private readonly revocations: Revocations,
  ) {
    super();
  }

  async authenticate(credential: string): Promise<Principal | null> {
    if (credential.startsWith(API_KEY_PREFIX)) return this.apiKeys.authenticate(credential);
    const claims = await this.tokens.verify(credential);
    if (!claims) return null;
    const user = await this.users.findActive(claims.sub);
    if (!user || user.tokenVersion !== claims.ver) return null;
    return { kind: 'user', userId: user.id, username: user.username, role: user.role };
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    return this.revocations.subscribe(listener);
  }
}
