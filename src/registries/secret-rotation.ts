import type { Database, Executor } from '../database/database.js';
import { RegistriesRepository } from './registries.repository.js';
import { secretContext } from './registries.service.js';
import type { SecretBox } from './secret-box.js';

/** Re-seals another feature's secrets within the rotation's transaction (hosts' private keys); answers how many. */
export type Resealer = (trx: Executor, from: SecretBox, to: SecretBox) => Promise<number>;

/**
 * Re-seals every stored registry secret, and what `others` re-seal (hosts' keys): opened with `from` (which must
 * know every key in use), sealed with `to`, all in one transaction. Answers how many values were re-sealed.
 */
export async function resealSecrets(database: Database, from: SecretBox, to: SecretBox, others: Resealer[] = []): Promise<number> {
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
    for (const reseal of others) count += await reseal(trx, from, to);
    return count;
  });
}
