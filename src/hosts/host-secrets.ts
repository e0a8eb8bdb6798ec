import type { Executor } from '../database/database.js';
import type { SecretBox } from '../registries/secret-box.js';
import { HostsRepository } from './hosts.repository.js';

/** A host's sealed fields. */
export type HostSecretField = 'tlsKey' | 'sshPrivateKey';

/** The associated data a sealed host secret is bound to: its record and field (a value copied elsewhere does not open). */
export const hostSecretContext = (id: string, field: HostSecretField) => `host:${id}:${field}`;

/** Re-seals every host's private keys from `from` to `to` within `trx` (the secret key rotation); answers how many. */
export async function resealHostSecrets(hosts: HostsRepository, trx: Executor, from: SecretBox, to: SecretBox): Promise<number> {
  let count = 0;
  for (const row of await hosts.list(trx)) {
    const reseal = (sealed: string | null, field: HostSecretField) => {
      if (sealed === null || to.isCurrent(sealed)) return sealed;
      count++;
      return to.seal(from.open(sealed, hostSecretContext(row.id, field)), hostSecretContext(row.id, field));
    };
    await hosts.update(
      row.id,
      { tlsKeySealed: reseal(row.tlsKeySealed, 'tlsKey'), sshPrivateKeySealed: reseal(row.sshPrivateKeySealed, 'sshPrivateKey') },
      trx,
    );
  }
  return count;
}
