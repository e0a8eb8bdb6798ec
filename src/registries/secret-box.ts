import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreateSecret } from '../database/data-dir.js';

/** The key file Berth generates in the data dir when `BERTH_SECRET_KEY` is not set. */
export const SECRET_KEY_FILE = 'secret-key';
/** The key a rotation is moving to, until it is done (a crash in between leaves secrets under either). */
export const NEXT_SECRET_KEY_FILE = 'secret-key.next';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';

/** A sealed value cannot be opened: another key, or it was altered. Its message names no secret. */
export class SecretUnreadableError extends Error {}

/** A 32-byte key from its base64 (or base64url) text; throws naming the source otherwise. */
export function decodeSecretKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+=*$/.test(text.trim())) {
    throw new Error(`${source} must be ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The id stored with each sealed value: which key sealed it (a hash prefix, which tells nothing about the key). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('berth-secret-key-id').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM per value: a random IV each time, the key id stored alongside
 * (`v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url), and `context` (which record and field) bound as
 * associated data so a sealed value copied to another record or field does not open.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly keyId: string;

  /** Seals with `key`; opens what `key` or any of `others` sealed. */
  constructor(
    private readonly key: Buffer,
    others: Buffer[] = [],
  ) {
    this.keyId = keyId(key);
    for (const k of [key, ...others]) this.keys.set(keyId(k), k);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: string): string {
    const [version, id, iv, tag, ciphertext, ...extra] = sealed.split('.');
    if (version !== VERSION || extra.length > 0 || ciphertext === undefined) throw new SecretUnreadableError('not a sealed secret');
    const key = this.keys.get(id);
    if (!key) throw new SecretUnreadableError(`sealed under key ${id}, which is not the current secret key`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('the sealed secret does not authenticate (altered, or another record)');
    }
  }

  /** Whether `sealed` is under the key this box seals with (a rotation skips those). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.keyId;
  }
}

/**
 * The secret key as Berth runs with it: `BERTH_SECRET_KEY` when set, else `<dataDir>/secret-key`,
 * generated once (mode 0600). A half-done rotation's next key opens what it already sealed.
 */
export function loadSecretBox(dataDir: string, configuredKey: string | undefined): SecretBox {
  const key = configuredKey
    ? decodeSecretKey(configuredKey, 'BERTH_SECRET_KEY')
    : decodeSecretKey(readOrCreateSecret(dataDir, SECRET_KEY_FILE, generateSecretKey), join(dataDir, SECRET_KEY_FILE));
  const nextPath = join(dataDir, NEXT_SECRET_KEY_FILE);
  const next = existsSync(nextPath) ? [decodeSecretKey(readFileSync(nextPath, 'utf8'), nextPath)] : [];
  return new SecretBox(key, next);
}
