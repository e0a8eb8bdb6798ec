import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The data dir holds the database and secrets: only Berth's user may enter it. */
export function ensureDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Creates an empty file readable by its owner only, unless it exists; then tightens its mode. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/**
 * A secret kept in the data dir: read when present, else made by `generate` and written
 * with mode 0600 (`wx`: a second process starting at the same time cannot overwrite it).
 */
export function readOrCreateSecret(dataDir: string, name: string, generate: () => string): string {
  const path = join(dataDir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  ensureDataDir(dataDir);
  try {
    writeFileSync(path, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}
