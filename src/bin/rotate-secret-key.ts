// Re-encrypts every stored secret (registry passwords and tokens, hosts' private keys) under a new key. Stop Berth first:
// a running Berth keeps sealing with the key it started with.
//
//   node dist/bin/rotate-secret-key.js        (npm run rotate-secret-key)
//
// Key in the data dir (no BERTH_SECRET_KEY): a new key is generated into <data dir>/secret-key.next,
// every secret re-sealed under it, then it replaces <data dir>/secret-key. Interrupted, it leaves both
// keys readable to Berth; run it again to finish.
// BERTH_SECRET_KEY set: give the new key in BERTH_NEW_SECRET_KEY (`openssl rand -base64 32`); once
// done, start Berth with BERTH_SECRET_KEY set to that new key.
import 'reflect-metadata';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config.js';
import { readOrCreateSecret } from '../database/data-dir.js';
import { Database } from '../database/database.js';
import {
  NEXT_SECRET_KEY_FILE,
  SECRET_KEY_FILE,
  SecretBox,
  decodeSecretKey,
  generateSecretKey,
  loadSecretBox,
} from '../registries/secret-box.js';
import { resealHostSecrets } from '../hosts/host-secrets.js';
import { HostsRepository } from '../hosts/hosts.repository.js';
import { resealSecrets } from '../registries/secret-rotation.js';

async function rotate(): Promise<string> {
  const config = loadConfig();
  const current = loadSecretBox(config.dataDir, config.secretKey);
  let next: SecretBox;
  if (config.secretKey) {
    const given = process.env.BERTH_NEW_SECRET_KEY;
    if (!given) throw new Error('BERTH_SECRET_KEY is set: give the new key in BERTH_NEW_SECRET_KEY (e.g. `openssl rand -base64 32`)');
    next = new SecretBox(decodeSecretKey(given, 'BERTH_NEW_SECRET_KEY'));
  } else {
    // A next key left by an interrupted rotation is taken up again: some secrets may be sealed under it.
    const nextPath = join(config.dataDir, NEXT_SECRET_KEY_FILE);
    next = new SecretBox(decodeSecretKey(readOrCreateSecret(config.dataDir, NEXT_SECRET_KEY_FILE, generateSecretKey), nextPath));
  }
  const database = await Database.open(config.dataDir);
  let count: number;
  try {
    const hosts = new HostsRepository(database);
    count = await resealSecrets(database, current, next, [(trx, from, to) => resealHostSecrets(hosts, trx, from, to)]);
  } finally {
    await database.close();
  }
  if (config.secretKey) {
    return `re-encrypted ${count} secrets under key ${next.keyId}; now start Berth with BERTH_SECRET_KEY set to BERTH_NEW_SECRET_KEY's value`;
  }
  renameSync(join(config.dataDir, NEXT_SECRET_KEY_FILE), join(config.dataDir, SECRET_KEY_FILE));
  return `re-encrypted ${count} secrets under key ${next.keyId}, now in ${join(config.dataDir, SECRET_KEY_FILE)}`;
}

try {
  console.log(await rotate());
} catch (error) {
  // Messages here name files, variables and key ids, never a key or a secret.
  console.error(`rotate-secret-key: ${(error as Error).message}`);
  process.exit(1);
}
