import { Injectable } from '@nestjs/common';
import type { Selectable, Updateable } from 'kysely';
import type { Role } from '../common/access.decorators.js';
import { Database, Executor, isUniqueViolation } from '../database/database.js';
import type { UsersTable } from '../database/schema.js';

export type UserRow = Selectable<UsersTable>;

/** The only code that reads or writes the users table. */
@Injectable()
export class UsersRepository {
  constructor(private readonly database: Database) {}

  findById(id: string, db: Executor = this.database.db): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.database.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  list(): Promise<UserRow[]> {
    return this.database.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async count(): Promise<number> {
    const { count } = await this.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Enabled admins other than `exceptId`: the ones left if that user stopped being one. */
  async countOtherActiveAdmins(exceptId: string, db: Executor): Promise<number> {
    const { count } = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('role', '=', 'admin' satisfies Role)
      .where('disabledAt', 'is', null)
      .where('id', '!=', exceptId)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** False when the username is taken. */
  async insert(user: UserRow): Promise<boolean> {
    try {
      await this.database.db.insertInto('users').values(user).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async update(id: string, changes: Updateable<UsersTable>, db: Executor = this.database.db): Promise<void> {
    await db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  async delete(id: string, db: Executor): Promise<void> {
    await db.deleteFrom('users').where('id', '=', id).execute();
  }
}
