import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../database/database.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { DatabaseAuditLog } from './database-audit-log.js';

describe('the audit log on a real database', () => {
  let database: Database;
  let log: DatabaseAuditLog;
  let service: AuditService;
  const alice = { kind: 'user' as const, userId: 'u-alice', username: 'alice', role: 'admin' as const };
  const bot = { kind: 'apiKey' as const, userId: 'u-bob', username: 'bob', role: 'operator' as const, apiKeyId: 'k-bot' };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await Database.open(join(mkdtempSync(join(tmpdir(), 'berth-audit-')), 'data'));
    const repository = new AuditRepository(database);
    log = new DatabaseAuditLog(repository);
    service = new AuditService(repository);
    await log.record({
      action: 'POST /api/v1/users',
      actor: alice,
      targets: ['u-new'],
      status: 201,
      remoteAddress: '10.0.0.1',
      durationMs: 12.6,
    });
    await log.record({ action: 'DELETE /api/v1/users/:id', actor: bot, targets: ['u-new', 'u-new'], status: 403 });
    await log.record({ action: 'POST /api/v1/auth/login', status: 401, details: { username: 'mallory' } });
    await log.record({
      action: 'container.create.policy-exception',
      actor: alice,
      targets: ['c1'],
      status: 201,
      details: { rule: 'privileged' },
    });
  });
  afterAll(() => database.close());

  it('lists newest first, with actor, targets and details as recorded', async () => {
    const { items, nextCursor } = await service.list({});
    expect(nextCursor).toBeNull();
    expect(items.map((e) => e.action)).toEqual([
      'container.create.policy-exception',
      'POST /api/v1/auth/login',
      'DELETE /api/v1/users/:id',
      'POST /api/v1/users',
    ]);
    expect(items[1]).toMatchObject({ actor: null, status: 401, details: { username: 'mallory' }, targets: [] });
    expect(items[2]).toMatchObject({ actor: { kind: 'apiKey', userId: 'u-bob', username: 'bob', apiKeyId: 'k-bot' }, targets: ['u-new'] });
    expect(items[3]).toMatchObject({
      actor: { kind: 'user', username: 'alice' },
      remoteAddress: '10.0.0.1',
      durationMs: 13,
      details: null,
    });
  });

  it('filters by actor (id, key id or name), action, target and time', async () => {
    const actions = async (query: Parameters<AuditService['list']>[0]) => (await service.list(query)).items.map((e) => e.action);
    expect(await actions({ actor: 'alice' })).toEqual(['container.create.policy-exception', 'POST /api/v1/users']);
    expect(await actions({ actor: 'k-bot' })).toEqual(['DELETE /api/v1/users/:id']);
    expect(await actions({ actor: 'u-bob' })).toEqual(['DELETE /api/v1/users/:id']);
    expect(await actions({ action: 'POST /api/v1/auth/login' })).toEqual(['POST /api/v1/auth/login']);
    expect(await actions({ target: 'u-new' })).toEqual(['DELETE /api/v1/users/:id', 'POST /api/v1/users']);
    expect(await actions({ target: 'u-new', actor: 'alice' })).toEqual(['POST /api/v1/users']);
    expect(await actions({ to: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect(await actions({ from: '2000-01-01T00:00:00+02:00' })).toHaveLength(4);
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const first = await service.list({ limit: 3 });
    expect(first.items).toHaveLength(3);
    const second = await service.list({ limit: 3, cursor: first.nextCursor! });
    expect(second).toMatchObject({ nextCursor: null });
    expect([...first.items, ...second.items].map((e) => e.id)).toEqual((await service.list({})).items.map((e) => e.id));
  });
});

describe('appending to the audit log while another transaction is open', () => {
  let database: Database;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await Database.open(join(mkdtempSync(join(tmpdir(), 'berth-audit-')), 'data'));
  });
  afterAll(() => database.close());

  it('waits for that transaction instead of writing inside it: its rollback does not take the record along', async () => {
    const repository = new AuditRepository(database);
    const log = new DatabaseAuditLog(repository);
    let appended: Promise<void> | undefined;
    const failed = database.transaction(async () => {
      appended = log.record({ action: 'POST /api/v1/users', targets: ['u-1'], status: 500 });
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    await appended;
    await log.record({ action: 'DELETE /api/v1/users/:id', targets: ['u-1'], status: 204 });
    const { items } = await new AuditService(repository).list({});
    expect(items.map((e) => [e.action, e.targets])).toEqual([
      ['DELETE /api/v1/users/:id', ['u-1']],
      ['POST /api/v1/users', ['u-1']],
    ]);
  });
});
