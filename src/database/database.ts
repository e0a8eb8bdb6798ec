import { Logger } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, Migrator, SqliteDialect, Transaction, sql } from 'kysely';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDataDir, ensurePrivateFile } from './data-dir.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Schema } from './schema.js';

export const DATABASE_FILE = 'berth.db';

/** A statement prepared once and run many times (positional `?` parameters). */
export interface PreparedStatement {
  run(...parameters: unknown[]): { lastInsertRowid: number | bigint };
}

/** The database was written by a newer Berth: running on it could lose data, so Berth stops. */
export class DatabaseTooNewError extends Error {}

export type Executor = Kysely<Schema> | Transaction<Schema>;

/**
 * The one connection to the store. Only repositories use `db`; everything SQLite-specific
 * (the file, pragmas, the dialect) stays in this file.
 */
export class Database {
  private readonly logger = new Logger('Database');

  private constructor(
    readonly db: Kysely<Schema>,
    readonly path: string,
    private readonly sqlite: SQLite.Database,
  ) {}

  /** Opens (creating when new) `<dataDir>/berth.db` and brings its schema up to date. */
  static async open(dataDir: string): Promise<Database> {
    ensureDataDir(dataDir);
    if (statSync(dataDir).mode & 0o077) {
      new Logger('Database').warn(`${dataDir} is open to other users; it holds secrets: chmod 700 it`);
    }
    const path = join(dataDir, DATABASE_FILE);
    // SQLite gives the -wal and -shm files the mode of the database file.
    ensurePrivateFile(path);
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
    const database = new Database(db, path, sqlite);
    try {
      await database.migrate();
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return database;
  }

  /** Runs what is pending; refuses a database that has migrations this version does not know. */
  async migrate(target?: string): Promise<void> {
    // Migrations are written with the real (snake_case) names: no plugin rewrites them.
    const db = this.db.withoutPlugins() as unknown as Kysely<unknown>;
    const known = Object.keys(MIGRATIONS);
    const applied = await appliedMigrations(db);
    const unknown = applied.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new DatabaseTooNewError(
        `the database ${this.path} was written by a newer Berth (migration ${unknown.join(', ')} is unknown to this version); ` +
          'run that version or newer, or restore a backup',
      );
    }
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
    const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success') this.logger.log(`applied migration ${result.migrationName}`);
    }
    if (error) throw error;
  }

  /** Runs `work` in one transaction: all of it or none. */
  transaction<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** A statement SQLite parses once, for `runNow`: kysely compiles, and SQLite parses, every query anew. */
  prepare(sql: string): PreparedStatement {
    return this.sqlite.prepare(sql);
  }

  /**
   * Runs `work` (prepared statements) now, synchronously, in a transaction of its own: for an append on a hot
   * path (the audit log), a few microseconds instead of a kysely transaction. Returns false, having run nothing,
   * while an asynchronous transaction holds the connection: the caller then takes the ordinary, queued way.
   */
  runNow(work: () => void): boolean {
    if (this.sqlite.inTransaction) return false;
    this.sqlite.transaction(work)();
    return true;
  }

  /** A trivial query, for readiness. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === 'kysely_migration')) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((row) => row.name);
}

/** Whether a write failed on a unique constraint (SQLite here; PostgreSQL says 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
