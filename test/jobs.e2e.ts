import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBerth } from '../scripts/berth-process.mjs';
import { BerthProcess, auditEvents, credentialFor, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, openRegistryAddress, registryCredentials } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { openWs, refusalOf, wsUrl } from './support/ws.js';

const runId = newRunId();

/**
 * A registry that answers the engine's `/v2/` ping and then never answers a manifest: a pull
 * from it runs until it is canceled (or Berth stops), with no timing assumption.
 */
async function startStalledRegistry(): Promise<{ address: string; held: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    if (request.url === '/v2/' || request.url === '/v2') {
      response.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      response.end('{}');
      return;
    }
    held.push(response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.filter((response) => !response.socket?.destroyed).length,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Removes a tag from the engine (not the image: the test image keeps its own tag). */
async function untag(ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove({ noprune: true })
    .catch(() => undefined);
}

describe('jobs and pull on the real engine', () => {
  let berth: BerthProcess;
  let operator: string;
  let otherOperator: string;
  let viewer: string;
  let stalled: Awaited<ReturnType<typeof startStalledRegistry>>;
  const repository = `${openRegistryAddress()}/berth-test/jobs`;
  const pushed = `${repository}:${runId}`;
  let imageId: string;
  let digest: string;
  const pulledRefs = new Set<string>([pushed]);

  const job = async (token: string, id: string) => (await api(berth.url, `/api/v1/jobs/${id}`, { token })).body;
  const finished = (token: string, id: string) =>
    until(async () => {
      const current = await job(token, id);
      return ['succeeded', 'failed', 'canceled'].includes(current.status) && current;
    }, `job ${id} finished`);
  const pull = (token: string, body: object, query = '') =>
    api(berth.url, `/api/v1/hosts/local/images/pull${query}`, { method: 'POST', token, body });

  beforeAll(async () => {
    stalled = await startStalledRegistry();
    berth = await startBerth();
    [operator, otherOperator, viewer] = await Promise.all([
      credentialFor(berth, 'operator'),
      credentialFor(berth, 'operator'),
      credentialFor(berth, 'viewer'),
    ]);
    // The test image into the anonymous registry, then gone from the engine under that name.
    await docker.getImage(TEST_IMAGE).tag({ repo: repository, tag: runId });
    // The registry is anonymous, but engine 20.10 wants an X-Registry-Auth header on every push.
    const push = await docker.getImage(pushed).push({ authconfig: { serveraddress: openRegistryAddress() } });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(push, (error: Error | null, output: Array<{ error?: string; aux?: { Digest?: string } }>) => {
        const failure = output?.find((line) => line.error);
        if (error || failure) reject(error ?? new Error(failure!.error));
        digest = output.find((line) => line.aux?.Digest)?.aux?.Digest ?? '';
        resolve();
      }),
    );
    imageId = (await docker.getImage(TEST_IMAGE).inspect()).Id;
    await untag(pushed);
  });

  afterAll(async () => {
    await berth?.stop();
    await stalled?.close();
    for (const ref of pulledRefs) await untag(ref);
  });

  it('pulls a pushed tag as a job: 202 with Location, then succeeded at 100 % with the image there', async () => {
    const started = await pull(operator, { image: pushed });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/api/v1/jobs/${started.body.id}`);
    expect(started.body).toMatchObject({ kind: 'pull', host: 'local', target: pushed });
    const done = await finished(operator, started.body.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null, result: { image: pushed, imageId } });
    expect(done.progress.percent).toBe(100);
    expect((await docker.getImage(pushed).inspect()).Id).toBe(imageId);

    const events = await api(berth.url, `/api/v1/jobs/${started.body.id}/events`, { token: viewer });
    expect(events.status).toBe(200);
    expect(events.body.items[0]).toMatchObject({ type: 'status', status: 'running' });
    expect(events.body.items.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
    expect(events.body.items.some((e: { line?: string }) => e.line?.startsWith('Digest: '))).toBe(true);

    // The audit names the image reference.
    await auditEvents(berth, `target=${encodeURIComponent(pushed)}`, (items) =>
      items.some((e) => e.action === 'POST /api/v1/hosts/:host/images/pull' && e.status === 202),
    );
  });

  it('?wait=true answers the finished job (by digest), 100 %', async () => {
    await untag(pushed);
    const byDigest = `${repository}@${digest}`;
    pulledRefs.add(byDigest);
    const answer = await pull(operator, { image: byDigest }, '?wait=true');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('location')).toBe(`/api/v1/jobs/${answer.body.id}`);
    expect(answer.body).toMatchObject({ status: 'succeeded', target: byDigest, progress: { percent: 100 }, result: { imageId } });
  });

  it('a missing tag fails the job with the registry message; never succeeded', async () => {
    const answer = await pull(operator, { image: `${repository}:missing-${runId}` }, '?wait=true');
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('failed');
    expect(answer.body.error).toMatch(/manifest unknown|not found/i);
    await expect(docker.getImage(`${repository}:missing-${runId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a registry that wants credentials fails the job with its refusal (no record stored)', async () => {
    const { address } = registryCredentials();
    const answer = await pull(operator, { image: `${address}/berth-test/jobs:${runId}` }, '?wait=true');
    expect(answer.body.status).toBe('failed');
    expect(answer.body.error).toMatch(/unauthorized|authentication required|no basic auth credentials/i);
  });

  it('the WS jobs channel replays a finished job and closes 1000; a live one is followed to its end', async () => {
    const done = await pull(operator, { image: pushed }, '?wait=true');
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/jobs', { id: done.body.id }), { token: viewer });
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 1000, reason: 'job succeeded' });
    const frames = socket.frames.map((frame) => JSON.parse(String(frame)));
    const stored = await api(berth.url, `/api/v1/jobs/${done.body.id}/events?limit=1000`, { token: viewer });
    expect(frames).toEqual(stored.body.items);

    const live = await pull(operator, { image: `${stalled.address}/berth-test/live:${runId}` });
    const follower = await openWs(wsUrl(berth.url, '/api/v1/ws/jobs', { id: live.body.id }), { token: viewer });
    await until(() => stalled.held() > 0, 'the engine asking the stalled registry');
    expect(follower.ws.readyState).toBe(follower.ws.OPEN);
    expect((await api(berth.url, `/api/v1/jobs/${live.body.id}`, { method: 'DELETE', token: operator })).body.status).toBe('canceled');
    expect(await follower.closed).toEqual({ code: 1000, reason: 'job canceled' });
    expect(follower.frames.map((frame) => JSON.parse(String(frame))).at(-1)).toMatchObject({ type: 'status', status: 'canceled' });
  });

  it('refuses the WS channel for an unknown job (404) and a bad id (400) before the upgrade', async () => {
    const unknown = await refusalOf(wsUrl(berth.url, '/api/v1/ws/jobs', { id: '0b7f2a1e-1111-4222-8333-444455556666' }), { token: viewer });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('JOB_NOT_FOUND');
    expect((await refusalOf(wsUrl(berth.url, '/api/v1/ws/jobs', { id: 'x' }), { token: viewer })).status).toBe(400);
  });

  it('cancels a running pull: canceled within 5 s; identical pulls share the job while it runs', async () => {
    const image = `${stalled.address}/berth-test/cancel:${runId}`;
    const first = await pull(operator, { image });
    const second = await pull(otherOperator, { image });
    expect(second.body.id).toBe(first.body.id);
    await until(async () => (await job(operator, first.body.id)).status === 'running' && stalled.held() > 0, 'the pull running');
    const started = Date.now();
    const canceled = await api(berth.url, `/api/v1/jobs/${first.body.id}`, { method: 'DELETE', token: operator });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(5000);
    // A canceled job is shared no more: the same pull again is a new job, which stays canceled when canceled in turn.
    const again = await pull(operator, { image });
    expect(again.body.id).not.toBe(first.body.id);
    expect((await api(berth.url, `/api/v1/jobs/${again.body.id}`, { method: 'DELETE', token: otherOperator })).status).toBe(403);
    expect((await api(berth.url, `/api/v1/jobs/${again.body.id}`, { method: 'DELETE', token: operator })).body.status).toBe('canceled');
    expect((await job(viewer, first.body.id)).status).toBe('canceled');
  });

  it('an operator holds at most 32 unfinished jobs on a host: the next pull, or an upload before it is stored, is 429 TOO_MANY_JOBS; another user is not held back', async () => {
    const started: string[] = [];
    try {
      // Two run (held by the stalled registry), thirty wait in the queue.
      for (let i = 0; i < 32; i++) {
        const one = await pull(operator, { image: `${stalled.address}/berth-test/many-${i}:${runId}` });
        expect(one.status, one.text).toBeLessThan(300);
        started.push(one.body.id);
      }
      expectProblem(await pull(operator, { image: `${stalled.address}/berth-test/many-32:${runId}` }), 429, 'TOO_MANY_JOBS');
      const upload = await api(berth.url, '/api/v1/hosts/local/images/import', {
        method: 'POST',
        token: operator,
        headers: { 'content-type': 'application/x-tar' },
        body: 'x'.repeat(4096),
      });
      expectProblem(upload, 429, 'TOO_MANY_JOBS');
      const theirs = await pull(otherOperator, { image: `${stalled.address}/berth-test/theirs:${runId}` });
      expect(theirs.status, theirs.text).toBeLessThan(300);
      started.push(theirs.body.id);
    } finally {
      for (const id of started) await api(berth.url, `/api/v1/jobs/${id}`, { method: 'DELETE', token: berth.token });
    }
    // Canceled, they hold nothing: the operator pulls again.
    const again = await pull(operator, { image: `${stalled.address}/berth-test/many-33:${runId}` });
    expect(again.status, again.text).toBeLessThan(300);
    await api(berth.url, `/api/v1/jobs/${again.body.id}`, { method: 'DELETE', token: berth.token });
  });

  it('roles: viewer reads jobs but cannot pull or cancel; an operator cannot cancel another user’s job, an admin can', async () => {
    expect((await api(berth.url, '/api/v1/jobs', { token: viewer })).status).toBe(200);
    expectProblem(await pull(viewer, { image: pushed }), 403, 'FORBIDDEN');

    const running = await pull(operator, { image: `${stalled.address}/berth-test/roles:${runId}` });
    expectProblem(await api(berth.url, `/api/v1/jobs/${running.body.id}`, { method: 'DELETE', token: viewer }), 403, 'FORBIDDEN');
    expectProblem(await api(berth.url, `/api/v1/jobs/${running.body.id}`, { method: 'DELETE', token: otherOperator }), 403, 'FORBIDDEN');
    expect((await job(operator, running.body.id)).status).not.toBe('canceled');
    const byAdmin = await api(berth.url, `/api/v1/jobs/${running.body.id}`, { method: 'DELETE', token: berth.token });
    expect(byAdmin.body.status).toBe('canceled');
  });

  it('lists jobs with filters and cursor pages; unknown ids are 404 JOB_NOT_FOUND; bad input 400', async () => {
    const mine = await api(berth.url, '/api/v1/jobs?mine=true&kind=pull', { token: otherOperator });
    expect(mine.body.items.every((j: { createdBy: string }) => j.createdBy === mine.body.items[0].createdBy)).toBe(true);
    const all = await api(berth.url, '/api/v1/jobs?kind=pull&host=local', { token: viewer });
    expect(all.body.total).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null; total: number } } = await api(
        berth.url,
        `/api/v1/jobs?kind=pull&host=local&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: viewer },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((j) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((j: { id: string }) => j.id));
    const failed = await api(berth.url, '/api/v1/jobs?status=failed', { token: viewer });
    expect(failed.body.items.length).toBeGreaterThanOrEqual(2);
    expect(failed.body.items.every((j: { status: string }) => j.status === 'failed')).toBe(true);

    expectProblem(await api(berth.url, '/api/v1/jobs/0b7f2a1e-1111-4222-8333-444455556666', { token: viewer }), 404, 'JOB_NOT_FOUND');
    expectProblem(await api(berth.url, '/api/v1/jobs/nope/events', { token: viewer }), 404, 'JOB_NOT_FOUND');
    expectProblem(await api(berth.url, '/api/v1/jobs?status=done', { token: viewer }), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, '/api/v1/jobs?cursor=bm9wZQ', { token: viewer }), 400, 'VALIDATION_FAILED');
    expectProblem(await pull(operator, { image: 'Busybox:1' }), 400, 'VALIDATION_FAILED');
    expectProblem(await pull(operator, { image: pushed, platform: 'linux amd64' }), 400, 'VALIDATION_FAILED');
  });

  it("revoking an API key ends its running and queued jobs (the queued one never starts); another user's queued job then runs", async () => {
    const limited = await startBerth({ env: { BERTH_JOBS_PER_HOST: '1' } });
    try {
      const key = await credentialFor(limited, 'operator');
      const keyId = (await api(limited.url, '/api/v1/auth/api-keys', { token: key })).body[0].id as string;
      const start = (token: string, name: string) =>
        api(limited.url, '/api/v1/hosts/local/images/pull', {
          method: 'POST',
          token,
          body: { image: `${stalled.address}/berth-test/${name}:${runId}` },
        });
      const status = async (id: string) => (await api(limited.url, `/api/v1/jobs/${id}`, { token: limited.token })).body;
      const running = (await start(key, 'revoked-running')).body.id as string;
      await until(async () => (await status(running)).status === 'running', 'the key’s pull running');
      const queued = (await start(key, 'revoked-queued')).body.id as string;
      const others = (await start(limited.token, 'admin-queued')).body.id as string;
      expect([(await status(queued)).status, (await status(others)).status]).toEqual(['queued', 'queued']);

      expect((await api(limited.url, `/api/v1/auth/api-keys/${keyId}`, { method: 'DELETE', token: limited.token })).status).toBe(204);
      for (const id of [running, queued]) {
        expect(await status(id)).toMatchObject({
          status: 'canceled',
          error: expect.stringMatching(/^canceled: the access that started it ended/),
        });
      }
      expect((await status(queued)).startedAt).toBeNull();
      await until(async () => (await status(others)).status === 'running', 'the admin’s pull running');
      expect((await api(limited.url, `/api/v1/jobs/${others}`, { method: 'DELETE', token: limited.token })).body.status).toBe('canceled');
    } finally {
      await limited.stop();
    }
  });

  it('a role change cancels the queued jobs of the user (they would start with the old role); the running one goes on', async () => {
    const limited = await startBerth({ env: { BERTH_JOBS_PER_HOST: '1' } });
    try {
      const token = await credentialFor(limited, 'operator', { kind: 'token' });
      const userId = (await api(limited.url, '/api/v1/auth/me', { token })).body.user.id as string;
      const start = (name: string) =>
        api(limited.url, '/api/v1/hosts/local/images/pull', {
          method: 'POST',
          token,
          body: { image: `${stalled.address}/berth-test/${name}:${runId}` },
        });
      const status = async (id: string) => (await api(limited.url, `/api/v1/jobs/${id}`, { token: limited.token })).body;
      const running = (await start('changed-running')).body.id as string;
      await until(async () => (await status(running)).status === 'running', 'the pull running');
      const queued = (await start('changed-queued')).body.id as string;
      expect((await status(queued)).status).toBe('queued');

      const raised = await api(limited.url, `/api/v1/users/${userId}`, { method: 'PATCH', token: limited.token, body: { role: 'admin' } });
      expect(raised.status).toBe(200);
      expect(await status(queued)).toMatchObject({
        status: 'canceled',
        startedAt: null,
        error: expect.stringMatching(/role or host roles .* changed/),
      });
      expect((await status(running)).status).toBe('running');
      // The login stays, with the new role.
      expect((await api(limited.url, '/api/v1/auth/me', { token })).body.role).toBe('admin');
      expect((await api(limited.url, `/api/v1/jobs/${running}`, { method: 'DELETE', token })).body.status).toBe('canceled');
    } finally {
      await limited.stop();
    }
  });

  it('a restart during a running and a queued job leaves both failed "Berth stopped"', async () => {
    const limited = await startBerth({ env: { BERTH_JOBS_PER_HOST: '1' } });
    try {
      const running = await api(limited.url, '/api/v1/hosts/local/images/pull', {
        method: 'POST',
        token: limited.token,
        body: { image: `${stalled.address}/berth-test/restart:${runId}` },
      });
      const queued = await api(limited.url, '/api/v1/hosts/local/images/pull', {
        method: 'POST',
        token: limited.token,
        body: { image: `${stalled.address}/berth-test/restart-queued:${runId}` },
      });
      await until(
        async () => (await api(limited.url, `/api/v1/jobs/${running.body.id}`, { token: limited.token })).body.status === 'running',
        'running',
      );
      expect((await api(limited.url, `/api/v1/jobs/${queued.body.id}`, { token: limited.token })).body.status).toBe('queued');
      await limited.restart();
      for (const id of [running.body.id, queued.body.id]) {
        expect((await api(limited.url, `/api/v1/jobs/${id}`, { token: limited.token })).body).toMatchObject({
          status: 'failed',
          error: 'Berth stopped',
        });
      }
    } finally {
      await limited.stop();
    }
  });

  it('a kill -9 during a running pull leaves it failed "Berth stopped" at the next start', async () => {
    const admin = { username: 'admin', password: `pw-${runId}-${runId}-long` };
    const first = await launchBerth({ admin });
    let token = await login(first.url, admin);
    const running = await api(first.url, '/api/v1/hosts/local/images/pull', {
      method: 'POST',
      token,
      body: { image: `${stalled.address}/berth-test/killed:${runId}` },
    });
    await until(async () => (await api(first.url, `/api/v1/jobs/${running.body.id}`, { token })).body.status === 'running', 'running');
    process.kill(first.pid!, 'SIGKILL');
    await first.stop();
    const second = await launchBerth({ admin, dataDir: first.dataDir });
    try {
      token = await login(second.url, admin);
      expect((await api(second.url, `/api/v1/jobs/${running.body.id}`, { token })).body).toMatchObject({
        status: 'failed',
        error: 'Berth stopped',
      });
    } finally {
      await second.stop();
    }
  });
});
