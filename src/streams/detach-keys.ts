import { satisfies } from '../common/validators.js';

/** The control keys the engine names (moby/term): `ctrl-@` is 0, `ctrl-a` 1 … `ctrl-z` 26, then `[ \ ] ^ _`. */
const CONTROL_KEYS = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'].map((key) => `ctrl-${key}`);

/**
 * The bytes of a detach sequence written as the CLI's `--detach-keys` (`ctrl-p,ctrl-q`, `ctrl-a,x`):
 * comma-separated `ctrl-<key>` or single ASCII characters, read as the engine reads them. Null for
 * what the engine would refuse, which it could only say after the upgrade, inside the stream.
 */
export function detachKeyBytes(spec: string): Buffer | null {
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    const control = CONTROL_KEYS.indexOf(key.toLowerCase());
    if (control >= 0) bytes.push(control);
    else if (key.length === 1 && key.charCodeAt(0) < 0x80) bytes.push(key.charCodeAt(0));
    else return null;
  }
  return Buffer.from(bytes);
}

/** A query field holding a detach sequence the engine accepts. */
export const IsDetachKeys = () =>
  satisfies(
    'isDetachKeys',
    (value) => typeof value === 'string' && detachKeyBytes(value) !== null,
    '$property must be comma-separated keys, each ctrl-<a-z, @, [, \\, ], ^ or _> or one character (e.g. ctrl-p,ctrl-q)',
  );
