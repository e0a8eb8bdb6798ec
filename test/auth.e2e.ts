import SQLite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, createUser, login, startBerth } from './support/berth.js';
import { api, expectProblem } from './support/http.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('login, sessions and API keys', () => {
  let berth: BerthProcess;
  const secrets: string[] = [];

  beforeAll(async () => {
    berth = await startBerth();
    secrets.push(berth.admin.password, berth.token);
  });
  afterAll(() => berth?.stop());

  it('logs in with the right password only, with one answer for every wrong case', async () => {
    const ok = await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: berth.admin });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { username: 'admin', role: 'admin', disabled: false } });
    expect(ok.body.accessToken.split('.')).toHaveLength(3);
    secrets.push(ok.body.accessToken);

    const wrong = await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: 'admin', password: 'wrong-password' } });
    const unknown = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'no-such-user', password: 'wrong-password' },
    });
    expectProblem(wrong, 401, 'UNAUTHENTICATED');
    expectProblem(unknown, 401, 'UNAUTHENTICATED');
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expectProblem(await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: 'admin' } }), 400, 'VALIDATION_FAILED');
  });

  it('answers who is calling, and how', async () => {
    const me = await api(berth.url, '/api/v1/auth/me', { token: berth.token });
    expect(me.body).toMatchObject({ kind: 'user', role: 'admin', user: { username: 'admin' } });
    expect(me.body).not.toHaveProperty('apiKeyId');
  });

  it('changes the own password with the current one; the old sessions end, API keys stay', async () => {
    const user = await createUser(berth, 'operator');
    const token = await login(berth.url, user);
    const key = (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'stays' } })).body.key;
    secrets.push(user.password, token, key);

    expectProblem(
      await api(berth.url, '/api/v1/auth/password', {
        method: 'POST',
        token,
        body: { currentPassword: 'not-it-at-all', newPassword: 'a-new-long-password' },
      }),
      403,
      'WRONG_PASSWORD',
    );
    expectProblem(
      await api(berth.url, '/api/v1/auth/password', {
        method: 'POST',
        token,
        body: { currentPassword: user.password, newPassword: 'short' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api(berth.url, '/api/v1/auth/password', {
        method: 'POST',
        token: key,
        body: { currentPassword: user.password, newPassword: 'a-new-long-password' },
      }),
      403,
      'FORBIDDEN',
    );
    const changed = await api(berth.url, '/api/v1/auth/password', {
      method: 'POST',
      token,
      body: { currentPassword: user.password, newPassword: 'a-new-long-password' },
    });
    expect(changed.status).toBe(204);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token }), 401, 'UNAUTHENTICATED');
    await expect(login(berth.url, user)).rejects.toThrow(/401/);
    expect(
      (await api(berth.url, '/api/v1/auth/me', { token: await login(berth.url, { ...user, password: 'a-new-long-password' }) })).status,
    ).toBe(200);
    expect((await api(berth.url, '/api/v1/auth/me', { token: key })).body).toMatchObject({ kind: 'apiKey', role: 'operator' });
  });

  it('creates an API key once, lists it without the key, and revokes it at once', async () => {
    const created = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'ci bot', role: 'operator' },
    });
    expect(created.status).toBe(201);
    const { key, ...shown } = created.body;
    secrets.push(key);
    expect(key).toMatch(/^berth_[A-Za-z0-9_-]{43}$/);
    expect(shown).toMatchObject({
      name: 'ci bot',
      role: 'operator',
      prefix: key.slice(0, 12),
      expiresAt: null,
      lastUsedAt: null,
      username: 'admin',
    });

    const me = await api(berth.url, '/api/v1/auth/me', { token: key });
    expect(me.body).toMatchObject({ kind: 'apiKey', role: 'operator', apiKeyId: shown.id, user: { username: 'admin' } });

    const listed = (await api(berth.url, '/api/v1/auth/api-keys', { token: berth.token })).body.find(
      (k: { id: string }) => k.id === shown.id,
    );
    expect(listed).toMatchObject({ ...shown, lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(key.slice(12));

    expect((await api(berth.url, `/api/v1/auth/api-keys/${shown.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: key }), 401, 'UNAUTHENTICATED');
    // Already revoked: still a success; then it is gone from the list.
    expect((await api(berth.url, `/api/v1/auth/api-keys/${shown.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    const after = (await api(berth.url, '/api/v1/auth/api-keys', { token: berth.token })).body;
    expect(after.map((k: { id: string }) => k.id)).not.toContain(shown.id);
  });

  it('refuses a key on the very request after its revocation, though its principal was cached by a stream of requests', async () => {
    const created = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'hammer' } });
    const other = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'bystander' } });
    secrets.push(created.body.key, other.body.key);
    const list = (key: string) => api(berth.url, '/api/v1/hosts/local/containers?label=berth.test.none=1', { token: key });
    // The attacker keeps the key busy, so that its principal is served from the cache, and races the revocation.
    let revokedAt = Infinity;
    let servedAfterRevocation = 0;
    const hammer = (async () => {
      let refused = 0;
      while (refused === 0) {
        const sentAt = performance.now();
        const answer = await list(created.body.key);
        if (answer.status === 401) refused += 1;
        else if (sentAt > revokedAt) servedAfterRevocation += 1;
      }
      return refused;
    })();
    for (let i = 0; i < 20; i += 1) expect((await list(created.body.key)).status).toBe(200);
    expect((await api(berth.url, `/api/v1/auth/api-keys/${created.body.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    revokedAt = performance.now();
    expectProblem(await list(created.body.key), 401, 'UNAUTHENTICATED');
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: created.body.key }), 401, 'UNAUTHENTICATED');
    expect(await hammer).toBe(1);
    expect(servedAfterRevocation).toBe(0);
    // Only that key ended: the owner's other key, also cached, still works.
    expect((await list(other.body.key)).status).toBe(200);
  });

  it("caps a key's role at its owner's, refuses a past expiry, and keeps other people's keys apart", async () => {
    const viewer = await createUser(berth, 'viewer');
    const token = await login(berth.url, viewer);
    expectProblem(
      await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'too high', role: 'operator' } }),
      403,
      'FORBIDDEN',
    );
    const past = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token,
      body: { name: 'past', expiresAt: '2020-01-01T00:00:00Z' },
    });
    expectProblem(past, 400, 'VALIDATION_FAILED');
    expect(past.body.errors).toEqual([expect.objectContaining({ field: 'expiresAt' })]);
    expectProblem(
      await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'x', secret: 'nope' } }),
      400,
      'VALIDATION_FAILED',
    );

    const own = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'mine' } });
    expect(own.body.role).toBe('viewer');
    const adminKey = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'admin-owned' } });
    secrets.push(own.body.key, adminKey.body.key);

    const viewersList = (await api(berth.url, '/api/v1/auth/api-keys', { token })).body.map((k: { id: string }) => k.id);
    expect(viewersList).toEqual([own.body.id]);
    const adminsList = (await api(berth.url, '/api/v1/auth/api-keys', { token: berth.token })).body.map((k: { id: string }) => k.id);
    expect(adminsList).toEqual(expect.arrayContaining([own.body.id, adminKey.body.id]));

    expectProblem(await api(berth.url, `/api/v1/auth/api-keys/${adminKey.body.id}`, { method: 'DELETE', token }), 404, 'API_KEY_NOT_FOUND');
    expect((await api(berth.url, '/api/v1/auth/me', { token: adminKey.body.key })).status).toBe(200);
    expect((await api(berth.url, `/api/v1/auth/api-keys/${own.body.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: own.body.key }), 401, 'UNAUTHENTICATED');
  });

  it('ends what a disabled, demoted or deleted user may do, at once', async () => {
    const user = await createUser(berth, 'operator');
    const token = await login(berth.url, user);
    const key = (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'ops' } })).body.key;
    secrets.push(user.password, key);
    const path = `/api/v1/users/${user.id}`;

    await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { role: 'viewer' } });
    expect((await api(berth.url, '/api/v1/auth/me', { token: key })).body.role).toBe('viewer');
    expect((await api(berth.url, '/api/v1/auth/me', { token })).body.role).toBe('viewer');

    await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { disabled: true } });
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token }), 401, 'UNAUTHENTICATED');
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: key }), 401, 'UNAUTHENTICATED');
    await expect(login(berth.url, user)).rejects.toThrow(/401/);

    await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { disabled: false } });
    expect((await api(berth.url, '/api/v1/auth/me', { token: key })).status).toBe(200);

    expect((await api(berth.url, path, { method: 'DELETE', token: berth.token })).status).toBe(204);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token }), 401, 'UNAUTHENTICATED');
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: key }), 401, 'UNAUTHENTICATED');
  });

  it('records every mutating request and every login in the audit log, with filters and pages', async () => {
    const since = new Date().toISOString();
    const user = await createUser(berth, 'viewer');
    const viewerToken = await login(berth.url, user);
    await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: user.username, password: 'wrong-password' } });
    await api(berth.url, `/api/v1/users/${user.id}`, { method: 'DELETE', token: viewerToken });
    await api(berth.url, `/api/v1/users/${user.id}`, { method: 'PATCH', token: berth.token, body: { role: 'operator' } });
    secrets.push(user.password, viewerToken);

    const about = await auditEvents(berth, `target=${user.id}&from=${encodeURIComponent(since)}`, (items) => items.length >= 3);
    expect(about.map((e) => [e.action, e.status, e.actor?.username])).toEqual([
      ['PATCH /api/v1/users/:id', 200, 'admin'],
      ['DELETE /api/v1/users/:id', 403, user.username],
      ['POST /api/v1/users', 201, 'admin'],
    ]);
    expect(about[0]).toMatchObject({
      remoteAddress: expect.stringContaining('127.0.0.1'),
      durationMs: expect.any(Number),
      at: expect.any(String),
    });

    const logins = await auditEvents(
      berth,
      `action=${encodeURIComponent('POST /api/v1/auth/login')}&from=${encodeURIComponent(since)}`,
      (items) => items.length >= 2,
    );
    expect(logins.map((e) => [e.status, e.actor?.username ?? null, e.details?.username])).toEqual([
      [401, null, user.username],
      [200, user.username, user.username],
    ]);

    const byActor = await auditEvents(berth, `actor=${user.username}&from=${encodeURIComponent(since)}`, (items) => items.length >= 2);
    expect(byActor.every((e) => e.actor.userId === user.id)).toBe(true);
    const until = await auditEvents(berth, `to=${encodeURIComponent(since)}&target=${user.id}`, () => true);
    expect(until).toEqual([]);

    const first = await api(berth.url, '/api/v1/audit?limit=2', { token: berth.token });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.total).toBeGreaterThan(2);
    const second = await api(berth.url, `/api/v1/audit?limit=2&cursor=${first.body.nextCursor}`, { token: berth.token });
    expect(second.body.items).toHaveLength(2);
    expect(second.body.items[0].id).toBeLessThan(first.body.items[1].id);
    expectProblem(await api(berth.url, '/api/v1/audit?limit=0', { token: berth.token }), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, '/api/v1/audit?cursor=12', { token: berth.token }), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, '/api/v1/audit?from=yesterday', { token: berth.token }), 400, 'VALIDATION_FAILED');

    // Append-only: test/openapi.spec.ts checks that no operation in the spec writes under /api/v1/audit.
  });

  it('keeps users, keys, sessions and the audit log across a restart, and no secret in the database', async () => {
    const user = await createUser(berth, 'operator');
    const token = await login(berth.url, user);
    const key = (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'survivor' } })).body;
    secrets.push(user.password, token, key.key);
    await auditEvents(berth, `target=${key.id}`, (items) => items.length === 1);
    const adminToken = berth.token;

    await berth.restart();

    expect((await api(berth.url, '/api/v1/auth/me', { token })).body).toMatchObject({ kind: 'user', user: { id: user.id } });
    expect((await api(berth.url, '/api/v1/auth/me', { token: key.key })).body).toMatchObject({ kind: 'apiKey', apiKeyId: key.id });
    expect((await api(berth.url, '/api/v1/auth/me', { token: adminToken })).status).toBe(200);
    expect((await login(berth.url, user)).length).toBeGreaterThan(0);
    const events = await auditEvents(berth, `target=${key.id}`, (items) => items.length === 1);
    expect(events[0]).toMatchObject({ action: 'POST /api/v1/auth/api-keys', status: 201 });

    // The files as they are on disk while Berth runs (the WAL holds the latest pages).
    const files = ['berth.db', 'berth.db-wal'].map((name) => join(berth.dataDir, name)).filter((path) => existsSync(path));
    const bytes = Buffer.concat(files.map((path) => readFileSync(path)));
    const text = bytes.toString('latin1');
    expect(secrets.length).toBeGreaterThan(15);
    const found = secrets.filter((secret) => text.includes(secret) || text.includes(secret.slice(6, 30)));
    expect(found).toEqual([]);
    // What is there instead: argon2id hashes and key hashes (so this test looks in the right place).
    expect(text).toContain('$argon2id$');
    expect(text).toContain(createHash('sha256').update(key.key).digest('hex'));
    expect(text).toContain(user.username);
  });
});

describe('first start', () => {
  it('generates the admin password into a 0600 file, never logs it, and drops the file once it is changed', async () => {
    const berth = await startBerth({ admin: false });
    try {
      const file = join(berth.dataDir, 'initial-admin-password');
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(mode(file)).toBe(0o600);
      expect(mode(berth.dataDir)).toBe(0o700);
      expect(mode(join(berth.dataDir, 'berth.db'))).toBe(0o600);
      expect(mode(join(berth.dataDir, 'jwt-secret'))).toBe(0o600);
      expect(berth.output()).toContain(file);
      expect(berth.output()).not.toContain(password);

      const token = await login(berth.url, { username: 'admin', password });
      const changed = await api(berth.url, '/api/v1/auth/password', {
        method: 'POST',
        token,
        body: { currentPassword: password, newPassword: 'the-admins-own-password' },
      });
      expect(changed.status).toBe(204);
      expect(existsSync(file)).toBe(false);
      expect((await login(berth.url, { username: 'admin', password: 'the-admins-own-password' })).length).toBeGreaterThan(0);
    } finally {
      await berth.stop();
    }
  });

  it('creates the admin from BERTH_ADMIN_* once, and writes no password file', async () => {
    const berth = await startBerth();
    try {
      expect(existsSync(join(berth.dataDir, 'initial-admin-password'))).toBe(false);
      expect(berth.output()).not.toContain(berth.admin.password);
      const users = await api(berth.url, '/api/v1/users', { token: berth.token });
      expect(users.body).toEqual([expect.objectContaining({ username: 'admin', role: 'admin' })]);
    } finally {
      await berth.stop();
    }
  });
});

describe('database migrations', () => {
  it('stops with one clear line on a database written by a newer Berth', async () => {
    const berth = await startBerth();
    await berth.stop();
    const db = new SQLite(join(berth.dataDir, 'berth.db'));
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999-from-the-future', new Date().toISOString());
    db.close();
    await expect(startBerth({ dataDir: berth.dataDir })).rejects.toThrow(
      /exited with 1[\s\S]*berth: the database .* was written by a newer Berth \(migration 9999-from-the-future/,
    );
  });
});
