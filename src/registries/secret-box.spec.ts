import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEXT_SECRET_KEY_FILE, SECRET_KEY_FILE, SecretBox, SecretUnreadableError, decodeSecretKey, loadSecretBox } from './secret-box.js';
import { randomBytes } from 'node:crypto';

const key = () => randomBytes(32);

describe('SecretBox', () => {
  it('opens what it sealed, for the same context', () => {
    const box = new SecretBox(key());
    for (const secret of ['s3cret', '', 'ünïcödé 🔑', 'x'.repeat(8192)]) {
      expect(box.open(box.seal(secret, 'registry:1:password'), 'registry:1:password')).toBe(secret);
    }
  });

  it('seals the same secret differently each time (random IV) and never in clear', () => {
    const box = new SecretBox(key());
    const one = box.seal('PdBZKRTYxrZMFYrgEFCPRdsP', 'c');
    const two = box.seal('PdBZKRTYxrZMFYrgEFCPRdsP', 'c');
    expect(one).not.toBe(two);
    expect(one).not.toContain('PdBZKRTYxrZMFYrgEFCPRdsP');
    expect(one).not.toContain(Buffer.from('PdBZKRTYxrZMFYrgEFCPRdsP').toString('base64url'));
    expect(one.split('.')).toHaveLength(5);
    expect(one.split('.')[1]).toBe(box.keyId);
  });

  it.each([
    ['the ciphertext', 4],
    ['the tag', 3],
    ['the IV', 2],
  ])('refuses a value whose %s was altered', (_part, index) => {
    const box = new SecretBox(key());
    const parts = box.seal('s3cret-pa55', 'c').split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 1;
    parts[index] = bytes.toString('base64url');
    expect(() => box.open(parts.join('.'), 'c')).toThrow(SecretUnreadableError);
  });

  it('refuses a value moved to another record or field (the context is authenticated)', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('s3cret', 'registry:a:password');
    expect(() => box.open(sealed, 'registry:b:password')).toThrow(SecretUnreadableError);
    expect(() => box.open(sealed, 'registry:a:identityToken')).toThrow(SecretUnreadableError);
  });

  it('refuses a value sealed under another key, naming the key id and no secret', () => {
    const sealed = new SecretBox(key()).seal('s3cret', 'c');
    const error = (() => {
      try {
        new SecretBox(key()).open(sealed, 'c');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(error?.message).toContain(sealed.split('.')[1]);
    expect(error?.message).not.toContain('s3cret');
  });

  it('refuses a value under a forged key id of the right key (the tag still fails)', () => {
    const k = key();
    const box = new SecretBox(k);
    const other = new SecretBox(key());
    const parts = other.seal('s3cret', 'c').split('.');
    parts[1] = box.keyId;
    expect(() => box.open(parts.join('.'), 'c')).toThrow(SecretUnreadableError);
  });

  it.each(['', 'plain', 'v2.a.b.c.d', 'v1.a.b.c', 'v1.a.b.c.d.e'])('refuses %j as not sealed', (text) => {
    expect(() => new SecretBox(key()).open(text, 'c')).toThrow(SecretUnreadableError);
  });

  it('opens with an older key it was given, and seals with the first', () => {
    const old = key();
    const sealed = new SecretBox(old).seal('s3cret', 'c');
    const box = new SecretBox(key(), [old]);
    expect(box.open(sealed, 'c')).toBe('s3cret');
    expect(box.isCurrent(sealed)).toBe(false);
    expect(box.isCurrent(box.seal('x', 'c'))).toBe(true);
  });
});

describe('decodeSecretKey', () => {
  it('takes 32 bytes in base64 or base64url', () => {
    const bytes = key();
    expect(decodeSecretKey(bytes.toString('base64'), 'K')).toEqual(bytes);
    expect(decodeSecretKey(bytes.toString('base64url'), 'K')).toEqual(bytes);
  });

  it.each(['', 'short', randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), `${'!'.repeat(43)}=`])(
    'refuses %j, naming the source',
    (text) => {
      expect(() => decodeSecretKey(text, 'BERTH_SECRET_KEY')).toThrow(/BERTH_SECRET_KEY must be 32 random bytes/);
    },
  );
});

describe('loadSecretBox', () => {
  it('generates the key once into the data dir, mode 0600, and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-key-'));
    const first = loadSecretBox(dir, undefined);
    const path = join(dir, SECRET_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(decodeSecretKey(readFileSync(path, 'utf8'), path)).toHaveLength(32);
    const again = loadSecretBox(dir, undefined);
    expect(again.keyId).toBe(first.keyId);
    expect(again.open(first.seal('s', 'c'), 'c')).toBe('s');
  });

  it('uses BERTH_SECRET_KEY when given, writing no key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-key-'));
    const bytes = key();
    const box = loadSecretBox(dir, bytes.toString('base64'));
    expect(box.keyId).toBe(new SecretBox(bytes).keyId);
    expect(() => statSync(join(dir, SECRET_KEY_FILE))).toThrow();
  });

  it("opens what a half-done rotation's next key sealed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-key-'));
    loadSecretBox(dir, undefined);
    const next = key();
    writeFileSync(join(dir, NEXT_SECRET_KEY_FILE), next.toString('base64'), { mode: 0o600 });
    expect(loadSecretBox(dir, undefined).open(new SecretBox(next).seal('s', 'c'), 'c')).toBe('s');
  });
});
