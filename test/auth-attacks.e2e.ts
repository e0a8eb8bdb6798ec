import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BerthProcess, auditEvents, createUser, credentialFor, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { specOperations } from './support/openapi.js';
import { until } from './support/until.js';
import { OpenSocket, openWs, refusalOf, wsUrl } from './support/ws.js';

// The attacks of issue 8 on authentication (findings 4, 7, 11): each test is the attack, and asserts it fails.

const runId = newRunId();
const MiB = 1024 * 1024;

/**
 * A full garbage collection in the Berth process, through its inspector (this test starts it
 * with one on a loopback port): what stays after it is what Berth keeps, not garbage not yet collected.
 */
async function collectGarbage(berth: BerthProcess): Promise<void> {
  const address = /Debugger listening on (ws:\/\/\S+)/.exec(berth.output())![1];
  const inspector = new WebSocket(address);
  await new Promise((resolve, reject) => inspector.once('open', resolve).once('error', reject));
  await new Promise<void>((resolve) => {
    inspector.on('message', (data) => JSON.parse(String(data)).id === 1 && resolve());
    inspector.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  });
  inspector.close();
}

describe('attacks on login and request bodies, without credentials', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth({ env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() } });
  });
  afterAll(() => berth?.stop());

  const rss = async () =>
    Number(/^berth_process_resident_memory_bytes (\d+)/m.exec((await api(berth.url, '/metrics', { token: berth.token })).text)![1]);

  /** `count` logins, 16 at a time, each with a username of ~95 KB never sent before; every answer's status. */
  async function floodLogins(count: number): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    let sent = 0;
    const filler = 'u'.repeat(95 * 1024);
    const worker = async () => {
      while (sent < count) {
        sent++;
        const username = `${randomBytes(8).toString('hex')}${filler}`;
        const response = await fetch(`${berth.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: 'x' }),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return statuses;
  }

  it('keeps memory flat under 5000 logins with unique 95 KB usernames: 400 before anything keeps them', async () => {
    // Warm up the path (JIT, buffers, the database's cache), so what grows afterwards is what the requests leave behind.
    await floodLogins(1000);
    await collectGarbage(berth);
    const before = await rss();
    const statuses = await floodLogins(5000);
    expect(Object.fromEntries(statuses)).toEqual({ 400: 5000 });
    // Without a collection the heap holds up to ~100 MB of garbage; kept usernames (~475 MB, ~2 GB as the finding saw) would stay.
    await collectGarbage(berth);
    expect((await rss()) - before).toBeLessThan(30 * MiB);
    expect((await api(berth.url, '/healthz')).status).toBe(200);

    const refused = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'x'.repeat(95 * 1024), password: 'x' },
    });
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 'username', message: 'username must be at most 64 characters' }]);
    const longPassword = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: 'p'.repeat(95 * 1024) },
    });
    expectProblem(longPassword, 400, 'VALIDATION_FAILED');
    expect(longPassword.body.errors).toEqual([{ field: 'password', message: 'password must be at most 256 characters' }]);
  }, 300_000);

  it('records no row for a login refused with 400 (a 5000-character username: anyone could send those without end); a refused one (401) names its username', async () => {
    const since = new Date().toISOString();
    const username = `audit-${randomBytes(4).toString('hex')}-${'y'.repeat(5000)}`;
    expectProblem(
      await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username, password: 'x' } }),
      400,
      'VALIDATION_FAILED',
    );
    const guess = `audit-${randomBytes(4).toString('hex')}`;
    expect((await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: guess, password: 'x' } })).status).toBe(401);
    const query = `action=${encodeURIComponent('POST /api/v1/auth/login')}&from=${encodeURIComponent(since)}`;
    // Rows are written in the order the answers went out: once the 401's is there, the 400's would be too.
    const events = await auditEvents(berth, query, (items) => items.some((e) => e.status === 401 && e.details.username === guess));
    expect(events.filter((e) => e.status === 400)).toEqual([]);
  });

  it('refuses JSON nested 15 000 levels deep with 400 before validation, on login and on an authenticated route, and keeps serving', async () => {
    const deep = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    const targets = [
      { path: '/api/v1/auth/login', token: undefined },
      { path: '/api/v1/auth/api-keys', token: berth.token },
      { path: '/api/v1/users', token: berth.token },
    ];
    for (const { path, token } of targets) {
      for (const body of [`{"username":${deep},"password":"x"}`, `{"name":{"a":${deep}}}`, deep]) {
        const response = await api(berth.url, path, { method: 'POST', token, body });
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.detail).toMatch(/deeper than 32 levels/);
      }
    }
    // 32 levels are parsed and reach validation (which refuses what they say, with its own field errors).
    const shallow = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: JSON.parse(`${'['.repeat(31)}1${']'.repeat(31)}`) },
    });
    expectProblem(shallow, 400, 'VALIDATION_FAILED');
    expect(shallow.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    expect((await api(berth.url, '/api/v1/auth/me', { token: berth.token })).status).toBe(200);
  });
});

describe('user management is for login sessions only', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(() => berth?.stop());

  it('refuses an admin API key on every user-session operation, creating an admin first of all; reading users stays open to it', async () => {
    const key = await credentialFor(berth, 'admin');
    const target = await createUser(berth, 'viewer');
    const sessionOnly = specOperations().filter((op) => op.userSession);
    expect(sessionOnly.map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining(['POST /api/v1/users', 'PATCH /api/v1/users/{id}', 'DELETE /api/v1/users/{id}', 'POST /api/v1/auth/api-keys']),
    );
    const bodies: Record<string, unknown> = {
      'POST /api/v1/users': { username: `minted-${randomBytes(3).toString('hex')}`, password: 'a-long-enough-password', role: 'admin' },
      'PATCH /api/v1/users/{id}': { role: 'admin', password: 'a-long-enough-password' },
    };
    for (const op of sessionOnly) {
      const operation = `${op.method} ${op.path}`;
      const path = op.path.replace('{id}', target.id);
      const response = await api(berth.url, path, {
        method: op.method,
        token: key,
        body: op.method === 'DELETE' ? undefined : (bodies[operation] ?? {}),
      });
      expectProblem(response, 403, 'FORBIDDEN');
    }
    const users = await api(berth.url, '/api/v1/users', { token: key });
    expect(users.status).toBe(200);
    expect(users.body.map((u: { username: string }) => u.username)).not.toContain(
      (bodies['POST /api/v1/users'] as { username: string }).username,
    );
    expect(users.body.find((u: { id: string }) => u.id === target.id)).toMatchObject({ role: 'viewer', disabled: false });
    await expect(login(berth.url, { username: target.username, password: 'a-long-enough-password' })).rejects.toThrow(/401/);
    // The same admin with a login session may.
    const patched = await api(berth.url, `/api/v1/users/${target.id}`, { method: 'PATCH', token: berth.token, body: { role: 'operator' } });
    expect(patched.body.role).toBe('operator');
  });
});

describe('a password change, a disable, a role change or a logout ends streams and tickets', () => {
  let berth: BerthProcess;
  let container: Docker.Container;

  beforeAll(async () => {
    berth = await startBerth();
    container = await docker.createContainer({
      Image: TEST_IMAGE,
      name: uniqueName('auth'),
      Cmd: ['sleep', '3600'],
      Labels: testLabels(runId),
    });
    await container.start();
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  const execUrl = (params: Record<string, string> = {}) =>
    wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id, cmd: 'sh', ...params });
  const stdout = (socket: OpenSocket) =>
    socket.frames
      .filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === 1)
      .map((f) => f.subarray(1).toString())
      .join('');
  /** Runs a command through an open exec and waits for its output: the session is alive. */
  const echo = async (socket: OpenSocket, word: string) => {
    socket.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(`echo ${word}\n`)]));
    await socket.until(() => stdout(socket).includes(`${word}\n`));
  };
  const ticketFor = async (token: string) => {
    const issued = await api(berth.url, '/api/v1/ws/tickets', { method: 'POST', token });
    expect(issued.status).toBe(201);
    return issued.body.ticket as string;
  };

  it("closes an operator's exec with 1008 when they change their password, voids their earlier ticket, and leaves their API key's exec running", async () => {
    const operator = await createUser(berth, 'operator');
    const token = await login(berth.url, operator);
    const key = (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'stays' } })).body.key as string;
    const session = await openWs(execUrl(), { token });
    const bot = await openWs(execUrl(), { token: key });
    await echo(session, 'before');
    const ticket = await ticketFor(token);

    const changed = await api(berth.url, '/api/v1/auth/password', {
      method: 'POST',
      token,
      body: { currentPassword: operator.password, newPassword: 'a-brand-new-password' },
    });
    expect(changed.status).toBe(204);
    expect((await session.closed).code).toBe(1008);
    expect((await refusalOf(execUrl({ ticket }))).status).toBe(401);
    expect((await refusalOf(execUrl(), { token })).status).toBe(401);
    // Revocations are handled at once for every socket: had the key's been closed, this would fail.
    await echo(bot, 'still-here');
    bot.ws.close();
  });

  it('closes the streams and voids the tickets of a user whose password an admin resets', async () => {
    const operator = await createUser(berth, 'operator');
    const token = await login(berth.url, operator);
    const session = await openWs(execUrl(), { token });
    await echo(session, 'before');
    const ticket = await ticketFor(token);

    const reset = await api(berth.url, `/api/v1/users/${operator.id}`, {
      method: 'PATCH',
      token: berth.token,
      body: { password: 'reset-by-the-admin' },
    });
    expect(reset.status).toBe(200);
    expect((await session.closed).code).toBe(1008);
    expect((await refusalOf(execUrl({ ticket }))).status).toBe(401);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token }), 401, 'UNAUTHENTICATED');
  });

  it("a logout ends that login at once: its exec closes with 1008, its ticket and access token are refused; the user's other login and key stay", async () => {
    const operator = await createUser(berth, 'operator');
    const loginAgain = async () => {
      const answer = await api(berth.url, '/api/v1/auth/login', {
        method: 'POST',
        body: { username: operator.username, password: operator.password },
      });
      expect(answer.status).toBe(200);
      return answer.body as { accessToken: string; refreshToken: string };
    };
    const [ending, staying] = [await loginAgain(), await loginAgain()];
    const key = (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: staying.accessToken, body: { name: 'stays' } }))
      .body.key as string;
    const session = await openWs(execUrl(), { token: ending.accessToken });
    const other = await openWs(execUrl(), { token: staying.accessToken });
    const bot = await openWs(execUrl(), { token: key });
    await echo(session, 'before');
    // Cached by now (principal cache): the logout must reach the cache, not only the database.
    expect((await api(berth.url, '/api/v1/auth/me', { token: ending.accessToken })).status).toBe(200);
    const ticket = await ticketFor(ending.accessToken);

    const logout = await api(berth.url, '/api/v1/auth/logout', { method: 'POST', body: { refreshToken: ending.refreshToken } });
    expect(logout.status).toBe(204);
    expect((await session.closed).code).toBe(1008);
    expectProblem(await api(berth.url, '/api/v1/auth/me', { token: ending.accessToken }), 401, 'UNAUTHENTICATED');
    expect((await refusalOf(execUrl({ ticket }))).status).toBe(401);
    expect((await refusalOf(execUrl(), { token: ending.accessToken })).status).toBe(401);
    await echo(other, 'other-login');
    await echo(bot, 'key');
    expect((await api(berth.url, '/api/v1/auth/me', { token: staying.accessToken })).status).toBe(200);
    other.ws.close();
    bot.ws.close();
  });

  const keyOf = async (role: 'viewer' | 'operator') => {
    const owner = await createUser(berth, role);
    const token = await login(berth.url, owner);
    const created = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: `in-flight-${role}` } });
    expect(created.status).toBe(201);
    return { key: created.body.key as string, id: created.body.id as string };
  };
  const revokeKey = async (id: string) =>
    expect((await api(berth.url, `/api/v1/auth/api-keys/${id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
  const sleeping = async () => ((await container.top()).Processes as string[][]).filter((row) => row.join(' ').includes('sleep 45')).length;

  it('revoking a key kills its REST exec while it runs: 401 at once, not the output 45 s later, and the process is gone', async () => {
    const { key, id } = await keyOf('operator');
    const started = Date.now();
    const answer = api(berth.url, `/api/v1/hosts/local/containers/${container.id}/exec`, {
      method: 'POST',
      token: key,
      body: { cmd: ['sh', '-c', 'sleep 45; echo finished'], timeoutMs: 60_000 },
    });
    await until(async () => (await sleeping()) > 0, 'the exec running');
    await revokeKey(id);
    expectProblem(await answer, 401, 'UNAUTHENTICATED');
    expect(Date.now() - started).toBeLessThan(30_000);
    await until(async () => (await sleeping()) === 0, 'the exec killed');
  });

  it('revoking a key cuts its log download mid-stream; the same download by another key goes to its end', async () => {
    const chatty = await docker.createContainer({
      Image: TEST_IMAGE,
      name: uniqueName('chatty'),
      // ~24 MB of log lines, far more than the sockets between Berth and a client that stops reading can hold.
      Cmd: ['sh', '-c', 'yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -n 320000'],
      Labels: testLabels(runId),
    });
    await chatty.start();
    await chatty.wait();
    const download = (token: string) =>
      new Promise<{ received: number; complete: boolean; pause: () => void; resume: () => void; done: Promise<void> }>(
        (resolve, reject) => {
          const url = new URL(`/api/v1/hosts/local/containers/${chatty.id}/logs?tail=all`, berth.url);
          const request = http.get(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/plain' } }, (response) => {
            const state = {
              received: 0,
              complete: false,
              pause: () => response.pause(),
              resume: () => response.resume(),
              done: new Promise<void>((settle) => {
                response.on('data', (chunk: Buffer) => (state.received += chunk.length));
                response.on('end', () => {
                  state.complete = response.complete;
                  settle();
                });
                response.on('error', () => settle());
                response.on('close', () => settle());
              }),
            };
            response.once('data', () => {
              state.pause();
              resolve(state);
            });
          });
          request.on('error', reject);
        },
      );
    const cut = await keyOf('viewer');
    const whole = await keyOf('viewer');
    const [revoked, kept] = [await download(cut.key), await download(whole.key)];
    await revokeKey(cut.id);
    revoked.resume();
    kept.resume();
    await Promise.all([revoked.done, kept.done]);
    expect(kept.complete).toBe(true);
    expect(kept.received).toBeGreaterThan(20_000_000);
    expect(revoked.complete).toBe(false);
    expect(revoked.received).toBeLessThan(kept.received);
  });

  it('closes streams on a role change; after a disable and a re-enable the old token stays dead', async () => {
    const operator = await createUser(berth, 'operator');
    const token = await login(berth.url, operator);
    const path = `/api/v1/users/${operator.id}`;

    const raised = await openWs(execUrl(), { token });
    await echo(raised, 'before');
    expect((await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { role: 'admin' } })).status).toBe(200);
    expect((await raised.closed).code).toBe(1008);

    const disabled = await openWs(execUrl(), { token });
    const ticket = await ticketFor(token);
    expect((await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { disabled: true } })).status).toBe(200);
    expect((await disabled.closed).code).toBe(1008);
    expect((await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { disabled: false } })).status).toBe(200);

    expectProblem(await api(berth.url, '/api/v1/auth/me', { token }), 401, 'UNAUTHENTICATED');
    expect((await refusalOf(execUrl(), { token })).status).toBe(401);
    expect((await refusalOf(execUrl({ ticket }))).status).toBe(401);
    // Logging in again works: the user is back, only what was issued before the disable is not.
    expect((await api(berth.url, '/api/v1/auth/me', { token: await login(berth.url, operator) })).body.user.role).toBe('admin');
  });
});
