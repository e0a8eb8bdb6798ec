import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../database/database.js';
import { SecretBox } from '../registries/secret-box.js';
import { resealSecrets } from '../registries/secret-rotation.js';
import { hostSecretContext, resealHostSecrets } from './host-secrets.js';
import { HostsRepository } from './hosts.repository.js';

describe('host secrets on a real database', () => {
  let database: Database;
  let hosts: HostsRepository;
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    database = await Database.open(mkdtempSync(join(tmpdir(), 'berth-host-secrets-')));
    hosts = new HostsRepository(database);
    const now = new Date().toISOString();
    await hosts.insert({
      id: 'staging-1',
      name: 'staging-1',
      url: 'tcp://10.0.0.12:2376',
      plainHttp: 0,
      tlsCa: 'ca',
      tlsCert: 'cert',
      tlsKeySealed: box.seal('tls-key', hostSecretContext('staging-1', 'tlsKey')),
      sshPrivateKeySealed: null,
      sshKnownHostKey: null,
      labels: '{}',
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(() => database?.close());

  it('stores the key sealed, bound to its record and field', async () => {
    const row = (await hosts.findById('staging-1'))!;
    expect(row.tlsKeySealed).not.toContain('tls-key');
    expect(box.open(row.tlsKeySealed!, hostSecretContext('staging-1', 'tlsKey'))).toBe('tls-key');
    expect(() => box.open(row.tlsKeySealed!, hostSecretContext('staging-2', 'tlsKey'))).toThrow();
  });

  it('re-seals the hosts keys with the registries in the rotation, once', async () => {
    const next = new SecretBox(randomBytes(32));
    const reseal = [
      (trx: Parameters<typeof resealHostSecrets>[1], from: SecretBox, to: SecretBox) => resealHostSecrets(hosts, trx, from, to),
    ];
    expect(await resealSecrets(database, box, next, reseal)).toBe(1);
    const row = (await hosts.findById('staging-1'))!;
    expect(next.open(row.tlsKeySealed!, hostSecretContext('staging-1', 'tlsKey'))).toBe('tls-key');
    expect(await resealSecrets(database, next, next, reseal)).toBe(0);
  });
});
