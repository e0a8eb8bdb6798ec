import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { Database } from '../database/database.js';
import type { ApiKeysTable, UsersTable } from '../database/schema.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ApiKeyWithOwner = ApiKeyRow & { username: string };
export type ApiKeyWithOwnerState = ApiKeyWithOwner &
  Pick<Selectable<UsersTable>, 'disabledAt'> & { ownerRole: UsersTable['role']; ownerHostGrants: string };

/** The only code that reads or writes the api_keys table. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly database: Database) {}

  /**
   * Inserts the key unless its owner has `most` keys not revoked (expired ones included: they are listed until
   * revoked) already; false then. One transaction: concurrent creates cannot all slip under the limit.
   */
  insertWithin(key: ApiKeyRow, most: number): Promise<boolean> {
    return this.database.transaction(async (trx) => {
      const { held } = await trx
        .selectFrom('apiKeys')
        .select((eb) => eb.fn.countAll<number>().as('held'))
        .where('userId', '=', key.userId)
        .where('revokedAt', 'is', null)
        .executeTakeFirstOrThrow();
      if (held >= most) return false;
      await trx.insertInto('apiKeys').values(key).execute();
      return true;
    });
  }

  /** A key by the hash of its secret, with the state of its owner. */
  findByHash(keyHash: string): Promise<ApiKeyWithOwnerState | undefined> {
    return this.withOwner()
      .select(['users.disabledAt', 'users.role as ownerRole', 'users.hostGrants as ownerHostGrants'])
      .where('apiKeys.keyHash', '=', keyHash)
      .executeTakeFirst();
  }

  findById(id: string): Promise<ApiKeyWithOwner | undefined> {
    return this.withOwner().where('apiKeys.id', '=', id).executeTakeFirst();
  }

  /** Keys not revoked, newest first; all users' when `userId` is undefined. */
  listActive(userId?: string): Promise<ApiKeyWithOwner[]> {
    let query = this.withOwner().where('apiKeys.revokedAt', 'is', null);
    if (userId) query = query.where('apiKeys.userId', '=', userId);
    return query.orderBy('apiKeys.createdAt', 'desc').orderBy('apiKeys.id').execute();
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.database.db.updateTable('apiKeys').set({ revokedAt: at }).where('id', '=', id).where('revokedAt', 'is', null).execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.database.db.updateTable('apiKeys').set({ lastUsedAt: at }).where('id', '=', id).execute();
  }

  private withOwner() {
    return this.database.db
      .selectFrom('apiKeys')
      .innerJoin('users', 'users.id', 'apiKeys.userId')
      .selectAll('apiKeys')
      .select('users.username');
  }
}
