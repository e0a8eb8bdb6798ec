import SQLite from 'better-sqlite3';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, Database, DatabaseTooNewError } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'berth-db-')), 'data');

describe('Database', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const open: Database[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  const openAt = async (dir: string) => {
    const db = await Database.open(dir);
    open.push(db);
    return db;
  };

  it('creates the data dir (0700) and the file (0600) in WAL mode, with every migration applied', async () => {
    const dir = freshDir();
    const database = await openAt(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, DATABASE_FILE)).mode & 0o777).toBe(0o600);
    const raw = new SQLite(join(dir, DATABASE_FILE), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(
      raw
        .prepare('select name from kysely_migration order by name')
        .all()
        .map((r: any) => r.name),
    ).toEqual(Object.keys(MIGRATIONS));
    raw.close();
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('upgrades an older database and keeps its rows', async () => {
    const dir = freshDir();
    const old = await openAt(dir);
    // Back down to the first version (the later migrations' down), as the first release left it.
    await old.migrate('0001-users-and-api-keys');
    const tables = (await old.db.introspection.getTables()).map((t) => t.name);
    expect(tables).not.toContain('audit_events');
    const now = new Date().toISOString();
    await old.db
      .insertInto('users')
      .values({
        id: 'u1',
        username: 'keep-me',
        passwordHash: 'x',
        role: 'admin',
        tokenVersion: 0,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await old.close();
    open.pop();

    const upgraded = await openAt(dir);
    expect(await upgraded.db.selectFrom('users').select('username').execute()).toEqual([{ username: 'keep-me' }]);
    await upgraded.db
      .insertInto('auditEvents')
      .values({
        at: now,
        action: 'test',
        actorKind: null,
        actorUserId: null,
        actorApiKeyId: null,
        actorUsername: null,
        remoteAddress: null,
        status: 200,
        durationMs: null,
        details: null,
      })
      .execute();
    expect(await upgraded.db.selectFrom('auditEvents').select('action').execute()).toEqual([{ action: 'test' }]);
  });

  it('refuses a database written by a newer version, naming the unknown migration', async () => {
    const dir = freshDir();
    await (await openAt(dir)).close();
    open.pop();
    const raw = new SQLite(join(dir, DATABASE_FILE));
    raw.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('0999-later', new Date().toISOString());
    raw.close();
    const attempt = Database.open(dir);
    await expect(attempt).rejects.toThrow(DatabaseTooNewError);
    await expect(attempt).rejects.toThrow(/newer Berth \(migration 0999-later is unknown/);
  });

  it('runs a transaction all or nothing', async () => {
    const database = await openAt(freshDir());
    const now = new Date().toISOString();
    const user = {
      id: 'u1',
      username: 'a',
      passwordHash: 'x',
      role: 'viewer' as const,
      tokenVersion: 0,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await expect(
      database.transaction(async (trx) => {
        await trx.insertInto('users').values(user).execute();
        throw new Error('midway');
      }),
    ).rejects.toThrow('midway');
    expect(await database.db.selectFrom('users').selectAll().execute()).toEqual([]);
  });
});
