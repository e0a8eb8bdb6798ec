import type { Database } from '../database/database.js';
import { resealHostSecrets } from '../hosts/host-secrets.js';
import { HostsRepository } from '../hosts/hosts.repository.js';
import { RegistriesRepository } from './registries.repository.js';
import { secretContext } from './registries.service.js';
import type { SecretBox } from './secret-box.js';

/**
 * Re-seals every stored secret (registries' passwords and tokens, hosts' private keys): opened with `from` (which must know every key in use),
 * sealed with `to`, all in one transaction. Answers how many values were re-sealed.
 */
export async function resealSecrets(database: Database, from: SecretBox, to: SecretBox): Promise<number> {
  const registries = new RegistriesRepository(database);
  return database.transaction(async (trx) => {
    let count = 0;
    for (const row of await registries.list(trx)) {
      const reseal = (sealed: string | null, field: 'password' | 'identityToken') => {
        if (sealed === null || to.isCurrent(sealed)) return sealed;
        count++;
        return to.seal(from.open(sealed, secretContext(row.id, field)), secretContext(row.id, field));
      };
      await registries.update(
        row.id,
        { passwordSealed: reseal(row.passwordSealed, 'password'), identityTokenSealed: reseal(row.identityTokenSealed, 'identityToken') },
        trx,
      );
    }
    return count + (await resealHostSecrets(new HostsRepository(database), trx, from, to));
  });
}
