import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { Database, Executor } from '../database/database.js';
import type { RefreshTokensTable, UsersTable } from '../database/schema.js';

export type RefreshTokenRow = Selectable<RefreshTokensTable>;
/** A token with the state of its user now: whether they are disabled, and their current token version. */
export type RefreshTokenWithUser = RefreshTokenRow & Pick<Selectable<UsersTable>, 'disabledAt'> & { userTokenVersion: number };

/** The only code that reads or writes the refresh_tokens table. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly database: Database) {}

  async insert(token: RefreshTokenRow, db: Executor = this.database.db): Promise<void> {
    await db.insertInto('refreshTokens').values(token).execute();
  }

  findByHash(tokenHash: string, db: Executor = this.database.db): Promise<RefreshTokenWithUser | undefined> {
    return db
      .selectFrom('refreshTokens')
      .innerJoin('users', 'users.id', 'refreshTokens.userId')
      .selectAll('refreshTokens')
      .select(['users.disabledAt', 'users.tokenVersion as userTokenVersion'])
      .where('refreshTokens.tokenHash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Marks a live token spent; false when it was not live any more (spent, revoked or expired meanwhile): only one caller wins. */
  async spend(id: string, at: string, db: Executor = this.database.db): Promise<boolean> {
    const { numUpdatedRows } = await db
      .updateTable('refreshTokens')
      .set({ spentAt: at })
      .where('id', '=', id)
      .where('spentAt', 'is', null)
      .where('revokedAt', 'is', null)
      .where('expiresAt', '>', at)
      .executeTakeFirst();
    return numUpdatedRows === 1n;
  }

  /** Revokes the family's tokens not revoked yet; answers how many that was. */
  async revokeFamily(familyId: string, at: string, db: Executor = this.database.db): Promise<number> {
    const { numUpdatedRows } = await db
      .updateTable('refreshTokens')
      .set({ revokedAt: at })
      .where('familyId', '=', familyId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(numUpdatedRows);
  }

  /** Whether the family has a token not revoked (a login that stands; spent and expired tokens count, revoked ones do not). */
  async familyHasUnrevoked(familyId: string): Promise<boolean> {
    const row = await this.database.db
      .selectFrom('refreshTokens')
      .select('id')
      .where('familyId', '=', familyId)
      .where('revokedAt', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async revokeUser(userId: string, at: string): Promise<void> {
    await this.database.db
      .updateTable('refreshTokens')
      .set({ revokedAt: at })
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .execute();
  }

  /** Forgets tokens past their expiry: presenting one is then just unknown, which answers the same. */
  async deleteExpired(before: string): Promise<void> {
    await this.database.db.deleteFrom('refreshTokens').where('expiresAt', '<=', before).execute();
  }
}
