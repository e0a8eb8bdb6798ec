import { describe, expect, it } from 'vitest';
import { DECOY_HASH, HASH_OPTIONS, PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  it('keeps the decoy at the cost of a real hash (same algorithm and parameters), so an unknown username takes as long', async () => {
    const real = await new PasswordHasher().hash('any password at all');
    const parameters = (encoded: string) => encoded.split('$').slice(1, 4);
    expect(parameters(DECOY_HASH)).toEqual(parameters(real));
    expect(parameters(DECOY_HASH)).toEqual([
      'argon2id',
      'v=19',
      `m=${HASH_OPTIONS.memoryCost},t=${HASH_OPTIONS.timeCost},p=${HASH_OPTIONS.parallelism}`,
    ]);
  });

  it.each([
    ['the decoy password, against no stored hash', undefined, 'berth-decoy-password', true],
    ['anything else, against no stored hash', undefined, 'hunter2hunter2', false],
    ['anything, against a malformed stored hash', 'not-a-hash', 'hunter2hunter2', false],
  ])('verify: %s', async (_case, stored, password, expected) => {
    expect(await new PasswordHasher().verify(stored, password)).toBe(expected);
  });
});
