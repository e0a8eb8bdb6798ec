import { describe, expect, it } from 'vitest';
import type { Principal } from '../common/principal.js';
import { PrincipalCache } from './principal-cache.js';

const session: Principal = { kind: 'user', userId: 'u1', username: 'ann', role: 'admin' };
const key: Principal = { kind: 'apiKey', userId: 'u1', username: 'ann', role: 'viewer', apiKeyId: 'k1' };
const otherUser: Principal = { kind: 'user', userId: 'u2', username: 'bob', role: 'viewer' };

describe('PrincipalCache', () => {
  const clock = () => {
    const state = { now: 1_000 };
    return { state, now: () => state.now };
  };

  it('answers what was stored until its expiry, not at it', () => {
    const { state, now } = clock();
    const cache = new PrincipalCache(now);
    cache.set('a', session, 2_000, cache.begin());
    expect(cache.get('a')).toEqual(session);
    state.now = 1_999;
    expect(cache.get('a')).toEqual(session);
    state.now = 2_000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('stores nothing already expired', () => {
    const cache = new PrincipalCache(() => 1_000);
    cache.set('a', session, 1_000, cache.begin());
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops, on a revocation, exactly the entries it ends', () => {
    const cache = new PrincipalCache(() => 0);
    cache.set('session', session, 10, cache.begin());
    cache.set('key', key, 10, cache.begin());
    cache.set('other', otherUser, 10, cache.begin());
    cache.revoke({ apiKeyId: 'k1' });
    expect([cache.get('session'), cache.get('key'), cache.get('other')]).toEqual([session, undefined, otherUser]);
    cache.revoke({ userId: 'u1', sessionsOnly: true });
    expect([cache.get('session'), cache.get('other')]).toEqual([undefined, otherUser]);
  });

  it('does not store a lookup that began before a revocation (it may have read the old state)', () => {
    const cache = new PrincipalCache(() => 0);
    const since = cache.begin();
    cache.revoke({ userId: 'someone else' });
    cache.set('key', key, 10, since);
    expect(cache.get('key')).toBeUndefined();
    cache.set('key', key, 10, cache.begin());
    expect(cache.get('key')).toEqual(key);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new PrincipalCache(() => 0, 2);
    for (const name of ['a', 'b', 'c']) cache.set(name, session, 10, cache.begin());
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, session, session]);
  });

  it('hands out a principal no request can change for the others', () => {
    const cache = new PrincipalCache(() => 0);
    cache.set('a', { ...session }, 10, cache.begin());
    expect(Object.isFrozen(cache.get('a'))).toBe(true);
  });
});
