import { Injectable } from '@nestjs/common';
import type { Selectable, Updateable } from 'kysely';
import { Database, Executor, isUniqueViolation } from '../database/database.js';
import type { HostsTable } from '../database/schema.js';

export type HostRow = Selectable<HostsTable>;

/** The only code that reads or writes the hosts table. Private keys here are sealed, never plain. */
@Injectable()
export class HostsRepository {
  constructor(private readonly database: Database) {}

  findById(id: string): Promise<HostRow | undefined> {
    return this.database.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(db: Executor = this.database.db): Promise<HostRow[]> {
    return db.selectFrom('hosts').selectAll().orderBy('id').execute();
  }

  /** False when a host has this id already. */
  async insert(row: HostRow): Promise<boolean> {
    try {
      await this.database.db.insertInto('hosts').values(row).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async update(id: string, changes: Updateable<HostsTable>, db: Executor = this.database.db): Promise<void> {
    await db.updateTable('hosts').set(changes).where('id', '=', id).execute();
  }

  /** False when there was no such record. */
  async delete(id: string): Promise<boolean> {
    const result = await this.database.db.deleteFrom('hosts').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
