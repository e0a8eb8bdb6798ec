import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { Revocations } from '../revocations/revocations.js';
import type { UsersService } from '../users/users.service.js';
import type { ApiKeysService } from './api-keys.service.js';
import { CredentialAuthenticator, PRINCIPAL_REUSE_MS } from './credential-authenticator.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { AccessClaims, AccessTokens } from './tokens.js';

const KEY = 'berth_secret-of-k1';
const TOKEN = 'header.payload.signature';
/** Another login of the same user. */
const TOKEN_2 = 'header.payload2.signature';
/** A token issued before logins had ids (no `sid` claim). */
const OLD_TOKEN = 'header.payload0.signature';
const T0 = Date.parse('2026-11-26T12:00:00Z');

/** A database of one user (u1, tokenVersion 0, logged in twice: s1 and s2) and one key (k1), counting lookups. */
function world() {
  const state = {
    keyRevoked: false,
    tokenVersion: 0,
    keyLookups: 0,
    userLookups: 0,
    tokenExp: T0 / 1000 + 900,
    hostGrants: '[]',
    loggedOut: new Set<string>(),
  };
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
      const sid = { [TOKEN]: 's1', [TOKEN_2]: 's2', [OLD_TOKEN]: undefined } as Record<string, string | undefined>;
      if (!(token in sid) || Date.now() >= state.tokenExp * 1000) return null;
      return { sub: 'u1', ver: 0, exp: state.tokenExp, ...(sid[token] && { sid: sid[token] }) };
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
  const logins = {
    async isLive(sessionId: string) {
      return !state.loggedOut.has(sessionId);
    },
    // What RefreshTokens.revokeFamilyOf does: the rows first, then the announcement.
    async logout(sessionId: string) {
      state.loggedOut.add(sessionId);
      revocations.emit({ sessionId });
    },
  };
  const authenticator = new CredentialAuthenticator(
    tokens as unknown as AccessTokens,
    apiKeys as unknown as ApiKeysService,
    users as unknown as UsersService,
    revocations,
    logins as unknown as RefreshTokens,
  );
  return { state, revocations, apiKeys, logins, authenticator };
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

  it("refuses a logged-out login's access token on its very next request; the user's other login and keys stay", async () => {
    const { state, logins, authenticator } = world();
    expect(await authenticator.authenticate(TOKEN)).toMatchObject({ kind: 'user', userId: 'u1', sessionId: 's1' });
    expect(await authenticator.authenticate(TOKEN_2)).toMatchObject({ sessionId: 's2' });
    await authenticator.authenticate(KEY);
    await logins.logout('s1');
    expect(await authenticator.authenticate(TOKEN)).toBeNull();
    expect(await authenticator.authenticate(TOKEN_2)).toMatchObject({ sessionId: 's2' });
    expect(await authenticator.authenticate(KEY)).not.toBeNull();
    expect([state.keyLookups, state.userLookups]).toEqual([1, 3]);
  });

  it('refuses the token of a login that ended while nothing was cached (another process, a restart)', async () => {
    const { state, authenticator } = world();
    state.loggedOut.add('s1');
    expect(await authenticator.authenticate(TOKEN)).toBeNull();
    expect(await authenticator.authenticate(TOKEN_2)).not.toBeNull();
  });

  it('takes a token issued before logins had ids as before: valid until it expires', async () => {
    const { state, authenticator } = world();
    state.loggedOut.add('s1');
    expect(await authenticator.authenticate(OLD_TOKEN)).toMatchObject({ kind: 'user', userId: 'u1' });
    expect(await authenticator.authenticate(OLD_TOKEN)).not.toHaveProperty('sessionId');
  });

  it('stamps a principal with the revocations so far; one held across a revocation that ends it is told so', async () => {
    const { revocations, authenticator } = world();
    revocations.emit({ apiKeyId: 'k-other' });
    const held = (await authenticator.authenticate(TOKEN))!;
    expect(held.checkedAt).toBe(1);
    revocations.emit({ apiKeyId: 'k-other-2' });
    expect(authenticator.revokedSince(held)).toBe(false);
    revocations.emit({ sessionId: 's1' });
    expect(authenticator.revokedSince(held)).toBe(true);
    expect(authenticator.revokedSince((await authenticator.authenticate(TOKEN_2))!)).toBe(false);
  });

  it('restamps a cached principal after revocations that did not end it, without looking it up again', async () => {
    const { state, revocations, authenticator } = world();
    const first = (await authenticator.authenticate(KEY))!;
    for (let i = 0; i < 3; i += 1) revocations.emit({ apiKeyId: `k-other-${i}` });
    const again = (await authenticator.authenticate(KEY))!;
    expect([first.checkedAt, again.checkedAt]).toEqual([0, 3]);
    expect(await authenticator.authenticate(KEY)).toBe(again);
    expect(state.keyLookups).toBe(1);
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
