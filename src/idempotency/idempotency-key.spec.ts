import { describe, expect, it } from 'vitest';
import { type StoredKey, isStoredStatus, judgeRetry, parseIdempotencyKey, requestHash } from './idempotency-key.js';

describe('parseIdempotencyKey', () => {
  it.each(['a', '5f0c6f9e-3d1b-4f57-9a53-2a1c0d7e8b41', 'x'.repeat(255), 'deploy #42 (retry)', '~!@#$%^&*()'])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['too long', 'x'.repeat(256)],
    ['a control character', 'a\u0001b'],
    ['a tab', 'a\tb'],
    ['non-ASCII', 'clé'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the header', (_name, key) => {
    expect(() => parseIdempotencyKey(key)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', problem: { errors: [expect.objectContaining({ field: 'Idempotency-Key' })] } }),
    );
  });
});

describe('requestHash', () => {
  const body = { image: 'busybox', labels: { a: '1', b: '2' }, cmd: ['sh', '-c', 'true'] };

  it('is the same for the same request, whatever the order of its keys', () => {
    expect(requestHash({ wait: 'true' }, body)).toBe(
      requestHash({ wait: 'true' }, { cmd: ['sh', '-c', 'true'], labels: { b: '2', a: '1' }, image: 'busybox' }),
    );
    expect(requestHash({}, body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['another body value', {}, { ...body, image: 'nginx' }],
    ['another array order', {}, { ...body, cmd: ['true', '-c', 'sh'] }],
    ['a field more', {}, { ...body, name: 'web' }],
    ['another query', { wait: 'true' }, body],
  ])('differs for %s', (_name, query, other) => {
    expect(requestHash(query, other)).not.toBe(requestHash({}, body));
  });

  it('treats a missing query and body as empty ones', () => {
    expect(requestHash(undefined, undefined)).toBe(requestHash({}, null));
  });
});

describe('isStoredStatus', () => {
  it.each([
    [200, true],
    [201, true],
    [202, true],
    [204, true],
    [400, true],
    [403, true],
    [404, true],
    [409, true],
    [422, true],
    [401, false],
    [408, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
  ])('%i → %s', (status, stored) => {
    expect(isStoredStatus(status)).toBe(stored);
  });
});

describe('judgeRetry', () => {
  const now = new Date('2026-11-26T12:00:00.000Z');
  const live = '2026-11-27T11:00:00.000Z';
  const stored = (patch: Partial<StoredKey>): StoredKey => ({ requestHash: 'h1', status: 201, owner: 'me', expiresAt: live, ...patch });

  it.each([
    ['the same request, answered', stored({}), 'h1', 'replay'],
    ['the same request, a stored 400', stored({ status: 400 }), 'h1', 'replay'],
    ['another request under the key', stored({}), 'h2', 'reused'],
    ['another request while the first runs', stored({ status: null }), 'h2', 'reused'],
    ['the same request while the first runs here', stored({ status: null }), 'h1', 'in-flight'],
    ['the same request left in flight by a process that is gone', stored({ status: null, owner: 'before-restart' }), 'h1', 'reclaim'],
    ['an expired key, same request', stored({ expiresAt: now.toISOString() }), 'h1', 'reclaim'],
    ['an expired key, another request', stored({ expiresAt: '2026-11-25T00:00:00.000Z' }), 'h2', 'reclaim'],
  ])('%s → %s', (_name, row, hash, verdict) => {
    expect(judgeRetry(row, hash, now, 'me')).toBe(verdict);
  });
});
