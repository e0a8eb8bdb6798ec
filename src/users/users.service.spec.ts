import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import { API_KEYS_PER_USER, ApiKeysService } from '../auth/api-keys.service.js';
import { type Revocation, Revocations } from '../revocations/revocations.js';
import type { Principal } from '../common/principal.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { InitialAdmin } from './initial-admin.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

// Medium tier: the real services and repositories on a real SQLite file.
describe('UsersService and ApiKeysService on a real database', () => {
  let database: Database;
  let users: UsersService;
  let keys: ApiKeysService;
  const revocations = new Revocations();
  const heard: Revocation[] = [];
  const password = 'a-long-enough-password';

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'berth-users-')), 'data');
    database = await Database.open(dataDir);
    const hasher = new PasswordHasher();
    const repository = new UsersRepository(database);
    users = new UsersService(repository, database, hasher, revocations, new InitialAdmin(new AppConfig({ dataDir }), repository, hasher));
    keys = new ApiKeysService(new ApiKeysRepository(database), revocations);
    revocations.subscribe((revocation) => heard.push(revocation));
    await users.create({ username: 'the-admin', password, role: 'admin' });
  });
  afterAll(() => database.close());
  beforeEach(() => {
    heard.length = 0;
  });

  const principalOf = (user: { id: string; username: string; role: Principal['role'] }): Principal => ({
    kind: 'user',
    userId: user.id,
    username: user.username,
    role: user.role,
  });
  let serial = 0;
  const newUser = (role: Principal['role']) => users.create({ username: `user-${++serial}`, password, role });

  it('verifies passwords with argon2id and refuses disabled users', async () => {
    const user = await newUser('viewer');
    expect(await users.verifyCredentials(user.username, password)).toMatchObject({ id: user.id });
    expect((await users.verifyCredentials(user.username, password))!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await users.verifyCredentials(user.username, 'wrong')).toBeUndefined();
    expect(await users.verifyCredentials('nobody-at-all', password)).toBeUndefined();
    await users.update(user.id, { disabled: true });
    expect(await users.verifyCredentials(user.username, password)).toBeUndefined();
  });

  it('refuses a taken username', async () => {
    const user = await newUser('viewer');
    await expect(users.create({ username: user.username, password, role: 'admin' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
  });

  it('announces a disable and a delete to end everything, a role change as a change; a password change ends the sessions only', async () => {
    const user = await newUser('operator');
    const everything = { userId: user.id };
    const changed = { userId: user.id, changed: true };
    const sessions = { userId: user.id, sessionsOnly: true };
    await users.update(user.id, { role: 'operator' }); // the same role: nothing changes
    expect(heard).toEqual([]);
    await users.update(user.id, { role: 'admin' });
    await users.update(user.id, { role: 'viewer' });
    expect(heard).toEqual([changed, changed]);
    await users.update(user.id, { password: 'an-admins-reset-password' });
    await users.changePassword(user.id, 'an-admins-reset-password', 'the-users-own-password');
    expect(heard.slice(2)).toEqual([sessions, sessions]);
    await users.update(user.id, { disabled: true });
    await users.update(user.id, { disabled: true }); // already disabled: nothing new ends
    await users.remove(user.id);
    expect(heard.slice(4)).toEqual([everything, everything]);
  });

  it('moves the token version on a disable, so re-enabling revives no token issued before', async () => {
    const user = await newUser('viewer');
    const before = (await users.findActive(user.id))!.tokenVersion;
    await users.update(user.id, { disabled: true });
    await users.update(user.id, { disabled: true });
    await users.update(user.id, { disabled: false });
    expect((await users.findActive(user.id))!.tokenVersion).toBe(before + 1);
    await users.update(user.id, { role: 'operator' });
    expect((await users.findActive(user.id))!.tokenVersion).toBe(before + 1);
  });

  it('keeps one enabled admin, whatever is tried', async () => {
    for (const admin of (await users.list()).filter((u) => u.role === 'admin' && !u.disabled))
      await users.update(admin.id, { role: 'viewer' }).catch(() => undefined);
    const admins = (await users.list()).filter((u) => u.role === 'admin' && !u.disabled);
    expect(admins).toHaveLength(1);
    const last = admins[0];
    await expect(users.update(last.id, { role: 'operator' })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(users.update(last.id, { disabled: true })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(users.remove(last.id)).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    // Two concurrent demotions of two admins: one of them must stay.
    const other = await newUser('admin');
    const outcomes = await Promise.allSettled([users.update(last.id, { role: 'viewer' }), users.update(other.id, { role: 'viewer' })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await users.list()).filter((u) => u.role === 'admin' && !u.disabled)).toHaveLength(1);
  });

  it('ends sessions on a password change: the token version moves', async () => {
    const user = await newUser('viewer');
    const before = (await users.findActive(user.id))!.tokenVersion;
    await expect(users.changePassword(user.id, 'wrong-password', 'another-long-password')).rejects.toMatchObject({
      code: 'WRONG_PASSWORD',
    });
    await users.changePassword(user.id, password, 'another-long-password');
    expect((await users.findActive(user.id))!.tokenVersion).toBe(before + 1);
    expect(await users.verifyCredentials(user.username, 'another-long-password')).toBeDefined();
  });

  it('stores per-host grants, shows them on the user, refuses a grant with both or neither of host and label, and announces the change', async () => {
    const user = await newUser('viewer');
    expect((await users.get(user.id)).hostRoles).toEqual([]);
    const grants = [
      { role: 'operator' as const, host: 'staging-*' },
      { label: 'env=prod', role: 'none' as const },
    ];
    expect(await users.setHostRoles(user.id, { grants })).toEqual({
      grants: [
        { host: 'staging-*', role: 'operator' },
        { label: 'env=prod', role: 'none' },
      ],
    });
    expect(heard).toEqual([{ userId: user.id, changed: true }]);
    // The same grants again: nothing changed, nothing ends.
    await users.setHostRoles(user.id, { grants });
    expect(heard).toHaveLength(1);
    expect((await users.get(user.id)).hostRoles).toEqual((await users.hostRoles(user.id)).grants);
    for (const bad of [{ role: 'viewer' as const }, { host: 'a', label: 'b=c', role: 'viewer' as const }]) {
      await expect(users.setHostRoles(user.id, { grants: [bad] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await users.hostRoles(user.id)).grants).toHaveLength(2);
    await expect(users.setHostRoles(randomUUID(), { grants: [] })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it("gives a key its owner's grants, its own role and its hosts; a key's role may reach the owner's best grant", async () => {
    const owner = await newUser('viewer');
    await users.setHostRoles(owner.id, { grants: [{ host: 'local', role: 'operator' }] });
    const withGrants = { ...principalOf(owner), hostGrants: (await users.hostRoles(owner.id)).grants };
    await expect(keys.create(withGrants, { name: 'too-high', role: 'admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const created = await keys.create(withGrants, { name: 'ci', role: 'operator', hosts: ['local', 'ci-*', 'local'] });
    expect(created.hosts).toEqual(['local', 'ci-*']);
    expect(await keys.authenticate(created.key)).toEqual({
      kind: 'apiKey',
      userId: owner.id,
      username: owner.username,
      role: 'viewer',
      apiKeyId: created.id,
      hostGrants: [{ host: 'local', role: 'operator' }],
      keyRole: 'operator',
      keyHosts: ['local', 'ci-*'],
    });
    expect((await keys.list(withGrants)).find((key) => key.id === created.id)!.hosts).toEqual(['local', 'ci-*']);
  });

  it('authenticates a key until it is revoked, expired, or its owner disabled; caps its role by the owner', async () => {
    const owner = await newUser('operator');
    const created = await keys.create(principalOf(owner), { name: 'bot' });
    expect(await keys.authenticate(created.key)).toEqual({
      kind: 'apiKey',
      userId: owner.id,
      username: owner.username,
      role: 'operator',
      apiKeyId: created.id,
    });
    expect(await keys.authenticate(`${created.key}x`)).toBeNull();

    await users.update(owner.id, { role: 'viewer' });
    expect((await keys.authenticate(created.key))!.role).toBe('viewer');
    await users.update(owner.id, { role: 'operator', disabled: true });
    expect(await keys.authenticate(created.key)).toBeNull();
    await users.update(owner.id, { disabled: false });

    heard.length = 0;
    await keys.revoke(principalOf(owner), created.id);
    expect(heard).toEqual([{ apiKeyId: created.id }]);
    expect(await keys.authenticate(created.key)).toBeNull();

    // The clock, not a sleep, moves past the expiry: only Date is faked, the database's I/O runs as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const expiresAt = Date.now() + 60_000;
      const expiring = await keys.create(principalOf(owner), { name: 'short', expiresAt: new Date(expiresAt).toISOString() });
      vi.setSystemTime(expiresAt - 1);
      expect(await keys.authenticate(expiring.key)).not.toBeNull();
      vi.setSystemTime(expiresAt);
      expect(await keys.authenticate(expiring.key)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a key above its owner's role or expiring in the past, and hides others' keys", async () => {
    const viewer = principalOf(await newUser('viewer'));
    await expect(keys.create(viewer, { name: 'x', role: 'admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(keys.create(viewer, { name: 'x', expiresAt: '2001-01-01T00:00:00Z' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const other = principalOf(await newUser('operator'));
    const theirs = await keys.create(other, { name: 'theirs' });
    await expect(keys.revoke(viewer, theirs.id)).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect((await keys.list(viewer)).map((k) => k.id)).not.toContain(theirs.id);
    expect(await keys.list(other)).toEqual([expect.not.objectContaining({ key: expect.anything() })]);
  });

  it('holds a user to API_KEYS_PER_USER keys not revoked, concurrent creates included; an expired key counts until revoked', async () => {
    const owner = principalOf(await newUser('operator'));
    const other = principalOf(await newUser('operator'));
    const soon = new Date(Date.now() + 60_000).toISOString();
    const expiring = await keys.create(owner, { name: 'expiring', expiresAt: soon });
    const revoked = await keys.create(owner, { name: 'revoked' });
    await keys.revoke(owner, revoked.id);
    // All at once: the count and the insert are one transaction, so exactly the limit gets through.
    const results = await Promise.allSettled(
      Array.from({ length: API_KEYS_PER_USER + 5 }, (_, i) => keys.create(owner, { name: `bot-${i}` })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(API_KEYS_PER_USER - 1);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(6);
    expect(refused[0]).toMatchObject({ reason: { code: 'API_KEY_LIMIT' } });
    expect((refused[0] as PromiseRejectedResult).reason.getStatus()).toBe(409);
    expect(await keys.list(owner)).toHaveLength(API_KEYS_PER_USER);
    // Someone else's keys are theirs to count.
    await expect(keys.create(other, { name: 'theirs' })).resolves.toMatchObject({ name: 'theirs' });
    // Expired, a key is still listed, and still counts: create-expire-repeat would grow every admin's list.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(Date.parse(soon) + 1));
      await expect(keys.create(owner, { name: 'after-expiry' })).rejects.toMatchObject({ code: 'API_KEY_LIMIT' });
    } finally {
      vi.useRealTimers();
    }
    // Revoking one makes room.
    await keys.revoke(owner, expiring.id);
    await expect(keys.create(owner, { name: 'after-revoke' })).resolves.toMatchObject({ name: 'after-revoke' });
    await expect(keys.create(owner, { name: 'over' })).rejects.toMatchObject({ code: 'API_KEY_LIMIT' });
  });
});
