import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { Revocations } from '../revocations/revocations.js';
import type { UsersService } from '../users/users.service.js';
import type { ApiKeysService } from './api-keys.service.js';
import { CredentialAuthenticator, PRINCIPAL_REUSE_MS } from './credential-authenticator.js';
import type { AccessClaims, AccessTokens } from './tokens.js';

const KEY = 'berth_secret-of-k1';
const TOKEN = 'header.payload.signature';
const T0 = Date.parse('2026-11-26T12:00:00Z');

/** A database of one user (u1, tokenVersion 0) and one key (k1), counting lookups. */
function world() {
  const state = { keyRevoked: false, tokenVersion: 0, keyLookups: 0, userLookups: 0, tokenExp: T0 / 1000 + 900, hostGrants: '[]' };
  const revocations = new Revocations();
  const apiKeys = {
    async check(key: string) {
      state.keyLookups += 1;
      if (key !== KEY || state.keyRevoked) return null;
      const principal: Principal = { kind: 'apiKey', userId: 'u1', username: 'ann', role: 'viewer', apiKeyId: 'k1' };
      return { principal, reusableUntil: Date.now() + 60_000 };
    },
    // What ApiKeysService.revoke does: the row first, then the announcement.
    async revoke() {
      state.keyRevoked = true;
      revocations.emit({ apiKeyId: 'k1' });
    },
  };
  const tokens = {
    async verify(token: string): Promise<AccessClaims | null> {
      return token === TOKEN && Date.now() < state.tokenExp * 1000 ? { sub: 'u1', ver: 0, exp: state.tokenExp } : null;
    },
  };
  const users = {
    async findActive(id: string) {
      state.userLookups += 1;
      return id === 'u1'
        ? { id, username: 'ann', role: 'admin', tokenVersion: state.tokenVersion, hostGrants: state.hostGrants }
        : undefined;
    },
  };
  const authenticator = new CredentialAuthenticator(
    tokens as unknown as AccessTokens,
    apiKeys as unknown as ApiKeysService,
    users as unknown as UsersService,
    revocations,
  );
  return { state, revocations, apiKeys, authenticator };
}

describe('CredentialAuthenticator with its principal cache', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('checks a credential once, then reuses the principal', async () => {
    const { state, authenticator } = world();
    for (let i = 0; i < 3; i += 1) {
      expect(await authenticator.authenticate(KEY)).toMatchObject({ apiKeyId: 'k1' });
      expect(await authenticator.authenticate(TOKEN)).toMatchObject({ kind: 'user', userId: 'u1', role: 'admin' });
    }
    expect([state.keyLookups, state.userLookups]).toEqual([1, 1]);
  });

  it('refuses a revoked API key on its very next request', async () => {
    const { apiKeys, authenticator } = world();
    expect(await authenticator.authenticate(KEY)).not.toBeNull();
    await apiKeys.revoke();
    expect(await authenticator.authenticate(KEY)).toBeNull();
  });

  it('re-checks the sessions of a user whose password changed, not their keys', async () => {
    const { state, revocations, authenticator } = world();
    await authenticator.authenticate(KEY);
    await authenticator.authenticate(TOKEN);
    state.tokenVersion = 1;
    revocations.emit({ userId: 'u1', sessionsOnly: true });
    expect(await authenticator.authenticate(TOKEN)).toBeNull();
    expect(await authenticator.authenticate(KEY)).not.toBeNull();
    expect(state.keyLookups).toBe(1);
  });

  it("carries the user's per-host grants, and the new ones on the very next request after they change", async () => {
    const { state, revocations, authenticator } = world();
    expect(await authenticator.authenticate(TOKEN)).not.toHaveProperty('hostGrants');
    state.hostGrants = JSON.stringify([{ host: 'local', role: 'none' }]);
    // What UsersService.setHostRoles announces once the row is written.
    revocations.emit({ userId: 'u1' });
    expect(await authenticator.authenticate(TOKEN)).toMatchObject({ hostGrants: [{ host: 'local', role: 'none' }] });
    expect(state.userLookups).toBe(2);
  });

  it('does not reuse a token past its expiry, nor anything past PRINCIPAL_REUSE_MS', async () => {
    const { state, authenticator } = world();
    state.tokenExp = T0 / 1000 + 10;
    await authenticator.authenticate(TOKEN);
    vi.setSystemTime(T0 + 10_000);
    expect(await authenticator.authenticate(TOKEN)).toBeNull();

    await authenticator.authenticate(KEY);
    vi.setSystemTime(T0 + 10_000 + PRINCIPAL_REUSE_MS);
    await authenticator.authenticate(KEY);
    expect(state.keyLookups).toBe(2);
  });

  it('does not keep what a lookup found when a revocation came while it ran', async () => {
    const { state, revocations, authenticator } = world();
    const pending = authenticator.authenticate(KEY);
    // The revocation lands between the lookup's start and its answer: that answer may be the old state.
    revocations.emit({ apiKeyId: 'k1' });
    expect(await pending).not.toBeNull();
    state.keyRevoked = true;
    expect(await authenticator.authenticate(KEY)).toBeNull();
  });
});
