import { Injectable } from '@nestjs/common';
import type { Selectable, Updateable } from 'kysely';
import { Database, Executor, isUniqueViolation } from '../database/database.js';
import type { RegistriesTable } from '../database/schema.js';

export type RegistryRow = Selectable<RegistriesTable>;

/** Which unique field a write collided on. */
export type RegistryConflict = 'name' | 'host';

/** The only code that reads or writes the registries table. Secrets here are sealed, never plain. */
@Injectable()
export class RegistriesRepository {
  constructor(private readonly database: Database) {}

  findById(id: string, db: Executor = this.database.db): Promise<RegistryRow | undefined> {
    return db.selectFrom('registries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByHost(host: string): Promise<RegistryRow | undefined> {
    return this.database.db.selectFrom('registries').selectAll().where('host', '=', host).executeTakeFirst();
  }

  list(db: Executor = this.database.db): Promise<RegistryRow[]> {
    return db.selectFrom('registries').selectAll().orderBy('name').execute();
  }

  /** The first unique field another record already holds, or undefined when the insert went in. */
  async insert(row: RegistryRow): Promise<RegistryConflict | undefined> {
    try {
      await this.database.db.insertInto('registries').values(row).execute();
      return undefined;
    } catch (error) {
      return conflictOf(error);
    }
  }

  /** As insert: the unique field taken, or undefined when the update went in. */
  async update(id: string, changes: Updateable<RegistriesTable>, db: Executor = this.database.db): Promise<RegistryConflict | undefined> {
    try {
      await db.updateTable('registries').set(changes).where('id', '=', id).execute();
      return undefined;
    } catch (error) {
      return conflictOf(error);
    }
  }

  /** False when there was no such record. */
  async delete(id: string): Promise<boolean> {
    const result = await this.database.db.deleteFrom('registries').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

// SQLite names the column in its message (`UNIQUE constraint failed: registries.name`).
function conflictOf(error: unknown): RegistryConflict {
  if (!isUniqueViolation(error)) throw error;
  return /registries\.host|registries_host/.test((error as Error).message) ? 'host' : 'name';
}
