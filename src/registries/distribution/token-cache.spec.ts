import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('keeps a token until shortly before expires_in', () => {
    const cache = new TokenCache();
    cache.set('r scope', 'Bearer a', 300);
    vi.advanceTimersByTime(300_000 - TokenCache.MARGIN_MS - 1);
    expect(cache.get('r scope')).toBe('Bearer a');
    vi.advanceTimersByTime(1);
    expect(cache.get('r scope')).toBeUndefined();
  });

  it.each([undefined, 0, -5])('uses 60 s when expires_in is %s', (expiresIn) => {
    const cache = new TokenCache();
    cache.set('k', 'Bearer b', expiresIn);
    vi.advanceTimersByTime(60_000 - TokenCache.MARGIN_MS - 1);
    expect(cache.get('k')).toBe('Bearer b');
    vi.advanceTimersByTime(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('keeps a very short token half its life rather than none', () => {
    const cache = new TokenCache();
    cache.set('k', 'Bearer c', 2);
    vi.advanceTimersByTime(999);
    expect(cache.get('k')).toBe('Bearer c');
    vi.advanceTimersByTime(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('keys by registry and scope apart', () => {
    const cache = new TokenCache();
    cache.set('r repository:a:pull', 'Bearer a', 60);
    expect(cache.get('r repository:b:pull')).toBeUndefined();
    cache.delete('r repository:a:pull');
    expect(cache.get('r repository:a:pull')).toBeUndefined();
  });

  it('stays bounded', () => {
    const cache = new TokenCache();
    for (let i = 0; i <= TokenCache.MAX_ENTRIES; i++) cache.set(`k${i}`, 't', 60);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get(`k${TokenCache.MAX_ENTRIES}`)).toBe('t');
  });
});
