import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, createUser, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, tlsTestEngine, uniqueName } from './support/engine.js';
import { tlsOf } from './support/hosts.js';
import { api, expectProblem } from './support/http.js';
import { openWs, refusalOf, wsUrl } from './support/ws.js';

type Role = 'viewer' | 'operator' | 'admin';
type Grant = { host?: string; label?: string; role: Role | 'none' };

const runId = newRunId();
const labels = testLabels(runId);

describe('per-host roles on the real engine', () => {
  let berth: BerthProcess;
  let sleeper: string;

  const setGrants = (userId: string, grants: Grant[], token = berth.token) =>
    api(berth.url, `/api/v1/users/${userId}/host-roles`, { method: 'PUT', token, body: { grants } });
  /** A new user with a global role and grants, logged in. */
  const userWith = async (role: Role, grants: Grant[]) => {
    const user = await createUser(berth, role);
    expect((await setGrants(user.id, grants)).status).toBe(200);
    return { ...user, token: await login(berth.url, user) };
  };
  const createOnLocal = (token: string, name = uniqueName('hr')) =>
    api(berth.url, '/api/v1/hosts/local/containers', {
      method: 'POST',
      token,
      body: { image: TEST_IMAGE, pull: 'never', name, labels, cmd: ['sleep', '60'] },
    });
  const listLocal = (token: string) => api(berth.url, '/api/v1/hosts/local/containers', { token });

  beforeAll(async () => {
    berth = await startBerth();
    const created = await createOnLocal(berth.token);
    expect(created.status, created.text).toBe(201);
    sleeper = created.body.id;
    expect((await api(berth.url, `/api/v1/hosts/local/containers/${sleeper}/start`, { method: 'POST', token: berth.token })).status).toBe(
      204,
    );
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('a global viewer with operator on local creates a container there, and stays a viewer off it', async () => {
    const user = await userWith('viewer', [{ host: 'local', role: 'operator' }]);
    const created = await createOnLocal(user.token);
    expect(created.status, created.text).toBe(201);
    expect((await docker.getContainer(created.body.id).inspect()).Config.Labels['berth.test.run']).toBe(runId);
    // Routes under no host keep the global role: registries need operator.
    expectProblem(await api(berth.url, '/api/v1/registries', { token: user.token }), 403, 'FORBIDDEN');
    // A host that does not exist is unknown whatever the grants.
    expectProblem(await api(berth.url, '/api/v1/hosts/staging-1/containers', { token: user.token }), 404, 'HOST_NOT_FOUND');
  });

  it('a global operator with viewer on local reads there, and gets 403 on create, which changes nothing', async () => {
    const user = await userWith('operator', [{ host: 'loc*', role: 'viewer' }]);
    expect((await listLocal(user.token)).status).toBe(200);
    const name = uniqueName('hr-denied');
    expectProblem(await createOnLocal(user.token, name), 403, 'FORBIDDEN');
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
    expectProblem(
      await api(berth.url, `/api/v1/hosts/local/containers/${sleeper}/stop`, { method: 'POST', token: user.token }),
      403,
      'FORBIDDEN',
    );
    expect((await docker.getContainer(sleeper).inspect()).State.Running).toBe(true);
    // Off local, the global role: operator (registries are readable).
    expect((await api(berth.url, '/api/v1/registries', { token: user.token })).status).toBe(200);
  });

  it('a grant none hides local: 404 HOST_NOT_FOUND like an unknown host, on its routes, its channels, its jobs and in the host list', async () => {
    const user = await userWith('operator', [{ host: 'local', role: 'none' }]);
    const hidden = await listLocal(user.token);
    const unknown = await api(berth.url, '/api/v1/hosts/no-such-host/containers', { token: user.token });
    expectProblem(hidden, 404, 'HOST_NOT_FOUND');
    // The same answer as for a host that does not exist, but for the name.
    expect({ ...hidden.body, detail: hidden.body.detail.replace('local', 'X'), instance: 0, requestId: 0 }).toEqual({
      ...unknown.body,
      detail: unknown.body.detail.replace('no-such-host', 'X'),
      instance: 0,
      requestId: 0,
    });
    for (const path of [`/containers/${sleeper}`, '/info', '/images', '/volumes', '/networks']) {
      expectProblem(await api(berth.url, `/api/v1/hosts/local${path}`, { token: user.token }), 404, 'HOST_NOT_FOUND');
    }
    const name = uniqueName('hr-hidden');
    expectProblem(await createOnLocal(user.token, name), 404, 'HOST_NOT_FOUND');
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
    expect((await api(berth.url, '/api/v1/hosts', { token: user.token })).body).toEqual([]);

    for (const [channel, params] of [
      ['logs', { container: sleeper }],
      ['exec', { container: sleeper, cmd: 'sh' }],
      ['stats', { container: sleeper }],
      ['events', {}],
    ] as const) {
      const refusal = await refusalOf(wsUrl(berth.url, `/api/v1/ws/${channel}`, { host: 'local', ...params }), { token: user.token });
      expect([channel, refusal.status, refusal.body.code]).toEqual([channel, 404, 'HOST_NOT_FOUND']);
    }

    // A job on local (a build) is not found for them, not listed, not followed.
    const tag = `berth-test/host-roles-${runId}:1`;
    const built = await api(berth.url, '/api/v1/hosts/local/images/build?wait=true', {
      method: 'POST',
      token: berth.token,
      body: { dockerfile: `FROM ${TEST_IMAGE}\n`, tags: [tag], labels },
    });
    expect(built.status, built.text).toBeLessThan(300);
    const jobId = built.body.id ?? built.body.job?.id;
    expect(typeof jobId).toBe('string');
    expect((await api(berth.url, `/api/v1/jobs/${jobId}`, { token: berth.token })).status).toBe(200);
    expectProblem(await api(berth.url, `/api/v1/jobs/${jobId}`, { token: user.token }), 404, 'JOB_NOT_FOUND');
    expectProblem(await api(berth.url, `/api/v1/jobs/${jobId}/events`, { token: user.token }), 404, 'JOB_NOT_FOUND');
    expectProblem(await api(berth.url, `/api/v1/jobs/${jobId}`, { method: 'DELETE', token: user.token }), 404, 'JOB_NOT_FOUND');
    const listed = await api(berth.url, '/api/v1/jobs?host=local', { token: user.token });
    expect([listed.status, listed.body.items, listed.body.total]).toEqual([200, [], 0]);
    const followed = await refusalOf(wsUrl(berth.url, '/api/v1/ws/jobs', { id: jobId }), { token: user.token });
    expect([followed.status, followed.body.code]).toEqual([404, 'JOB_NOT_FOUND']);
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('a global viewer who is operator on local by a grant cancels their own job there; a plain viewer may not', async () => {
    const user = await userWith('viewer', [{ host: 'local', role: 'operator' }]);
    const tag = `berth-test/host-roles-cancel-${runId}:1`;
    const built = await api(berth.url, '/api/v1/hosts/local/images/build?wait=true', {
      method: 'POST',
      token: user.token,
      body: { dockerfile: `FROM ${TEST_IMAGE}\n`, tags: [tag], labels },
    });
    try {
      expect(built.status, built.text).toBeLessThan(300);
      const jobId = built.body.id ?? built.body.job?.id;
      expect(typeof jobId).toBe('string');
      const viewer = await userWith('viewer', []);
      expectProblem(await api(berth.url, `/api/v1/jobs/${jobId}`, { method: 'DELETE', token: viewer.token }), 403, 'FORBIDDEN');
      // Finished already: answered as it is, by the job's host role (operator), not the global one (viewer).
      const canceled = await api(berth.url, `/api/v1/jobs/${jobId}`, { method: 'DELETE', token: user.token });
      expect([canceled.status, canceled.body.id], canceled.text).toEqual([200, jobId]);
    } finally {
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it('an API key restricted to other-* cannot see local; one restricted to local can, within its owner’s role', async () => {
    const owner = await userWith('operator', []);
    const key = async (hosts: string[], role: Role = 'operator') => {
      const created = await api(berth.url, '/api/v1/auth/api-keys', {
        method: 'POST',
        token: owner.token,
        body: { name: 'scoped', role, hosts },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.hosts).toEqual(hosts);
      return created.body.key as string;
    };
    const elsewhere = await key(['other-*']);
    expectProblem(await listLocal(elsewhere), 404, 'HOST_NOT_FOUND');
    expectProblem(await createOnLocal(elsewhere), 404, 'HOST_NOT_FOUND');
    expect((await api(berth.url, '/api/v1/hosts', { token: elsewhere })).body).toEqual([]);
    const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/logs', { host: 'local', container: sleeper }), { token: elsewhere });
    expect([refusal.status, refusal.body.code]).toEqual([404, 'HOST_NOT_FOUND']);
    const here = await key(['local']);
    expect((await listLocal(here)).status).toBe(200);
    expect((await api(berth.url, '/api/v1/hosts', { token: here })).body.map((h: { id: string }) => h.id)).toEqual(['local']);
    // The owner is lowered to viewer on local: the key, an operator key, is too.
    expect((await setGrants(owner.id, [{ host: 'local', role: 'viewer' }])).status).toBe(200);
    expectProblem(await createOnLocal(here), 403, 'FORBIDDEN');
    const listedKeys = await api(berth.url, '/api/v1/auth/api-keys', { token: owner.token });
    expect(listedKeys.body.map((k: { hosts: string[] | null }) => k.hosts)).toEqual(expect.arrayContaining([['other-*'], ['local']]));
    expect(
      (await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: owner.token, body: { name: 'bad', hosts: ['Local!'] } }))
        .status,
    ).toBe(400);
  });

  it('changed grants hold from the very next request (cached credentials), and end the open streams', async () => {
    const user = await userWith('operator', []);
    expect((await listLocal(user.token)).status).toBe(200);
    expect((await listLocal(user.token)).status).toBe(200);
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { host: 'local', container: sleeper, follow: true }), {
      token: user.token,
    });
    expect((await setGrants(user.id, [{ host: 'local', role: 'none' }])).status).toBe(200);
    expectProblem(await listLocal(user.token), 404, 'HOST_NOT_FOUND');
    expect((await socket.closed).code).toBe(1008);
    expect((await setGrants(user.id, [{ host: 'local', role: 'viewer' }])).status).toBe(200);
    expect((await listLocal(user.token)).status).toBe(200);
    expectProblem(await createOnLocal(user.token), 403, 'FORBIDDEN');
    expect((await setGrants(user.id, [])).status).toBe(200);
    expect((await createOnLocal(user.token)).status).toBe(201);
  });

  it('grants are set by an admin session only, validated, shown on the user and audited', async () => {
    const user = await createUser(berth, 'viewer');
    const grants: Grant[] = [
      { host: 'staging-*', role: 'operator' },
      { label: 'env=prod', role: 'none' },
    ];
    expect((await setGrants(user.id, grants)).body).toEqual({ grants });
    expect((await api(berth.url, `/api/v1/users/${user.id}`, { token: berth.token })).body.hostRoles).toEqual(grants);
    expect((await api(berth.url, `/api/v1/users/${user.id}/host-roles`, { token: berth.token })).body).toEqual({ grants });
    for (const bad of [
      [{ role: 'viewer' }],
      [{ host: 'a', label: 'b=c', role: 'viewer' }],
      [{ host: 'UPPER', role: 'viewer' }],
      [{ host: 'a', role: 'root' }],
      [{ label: 'no-equals', role: 'viewer' }],
      [{ host: 'a', role: 'viewer', extra: 1 }],
    ]) {
      expectProblem(await setGrants(user.id, bad as Grant[]), 400, 'VALIDATION_FAILED');
    }
    expect((await api(berth.url, `/api/v1/users/${user.id}/host-roles`, { token: berth.token })).body).toEqual({ grants });
    expectProblem(await setGrants('00000000-0000-4000-8000-000000000000', []), 404, 'USER_NOT_FOUND');
    // An admin's API key cannot change who may do what where.
    const adminKey = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'admin-bot' } });
    expectProblem(await setGrants(user.id, [], adminKey.body.key), 403, 'FORBIDDEN');
    // Only an admin reads or sets them.
    const viewer = await login(berth.url, user);
    expectProblem(await setGrants(user.id, [{ host: '*', role: 'admin' }], viewer), 403, 'FORBIDDEN');
    expectProblem(await api(berth.url, `/api/v1/users/${user.id}/host-roles`, { token: viewer }), 403, 'FORBIDDEN');

    const isPut = (e: { action: string; status: number }) => e.action === 'PUT /api/v1/users/:id/host-roles' && e.status === 200;
    const audited = await auditEvents(berth, `target=${user.id}`, (items) => items.some(isPut));
    expect(audited.find(isPut).details).toEqual({ grants });
  });
});

// The second engine as a host record needs the hosts part (POST /api/v1/hosts): enabled once it is merged.
describe('per-host roles across two engines (local and the TLS engine as a host record)', () => {
  let berth: BerthProcess;
  const second = `hr-${runId}`;
  const tls = () => tlsTestEngine();

  beforeAll(async () => {
    berth = await startBerth();
    const client = tls().certPaths.client;
    const added = await api(berth.url, '/api/v1/hosts', {
      method: 'POST',
      token: berth.token,
      body: {
        id: second,
        url: tls().dockerHost,
        labels: { env: 'second' },
        tls: tlsOf(client),
      },
    });
    expect(added.status, added.text).toBe(201);
  });
  afterAll(async () => {
    await api(berth.url, `/api/v1/hosts/${second}`, { method: 'DELETE', token: berth.token }).catch(() => undefined);
    await berth?.stop();
    await removeTestResources(runId);
    await removeTestResources(runId, tls().docker);
  });

  const create = (host: string, token: string) =>
    api(berth.url, `/api/v1/hosts/${host}/containers`, {
      method: 'POST',
      token,
      body: { image: TEST_IMAGE, pull: 'never', name: uniqueName('hr2'), labels, cmd: ['true'] },
    });
  const userWith = async (role: Role, grants: Grant[]) => {
    const user = await createUser(berth, role);
    expect(
      (await api(berth.url, `/api/v1/users/${user.id}/host-roles`, { method: 'PUT', token: berth.token, body: { grants } })).status,
    ).toBe(200);
    return login(berth.url, user);
  };

  it('an operator on local and a viewer on the second host: 201 on local, 403 on the second host’s mutations, 200 on its reads', async () => {
    const token = await userWith('viewer', [
      { host: 'local', role: 'operator' },
      { label: 'env=second', role: 'viewer' },
    ]);
    expect((await create('local', token)).status).toBe(201);
    expectProblem(await create(second, token), 403, 'FORBIDDEN');
    expect((await api(berth.url, `/api/v1/hosts/${second}/containers`, { token })).status).toBe(200);
  });

  it('a host the caller cannot see is 404 on its routes and missing from the host list', async () => {
    const token = await userWith('operator', [{ label: 'env=second', role: 'none' }]);
    expectProblem(await api(berth.url, `/api/v1/hosts/${second}/containers`, { token }), 404, 'HOST_NOT_FOUND');
    expectProblem(await create(second, token), 404, 'HOST_NOT_FOUND');
    expect((await api(berth.url, '/api/v1/hosts', { token })).body.map((h: { id: string }) => h.id)).not.toContain(second);
    expect((await api(berth.url, '/api/v1/hosts/local/containers', { token })).status).toBe(200);
  });

  it('a key restricted to the second host sees it only', async () => {
    const created = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'second-only', hosts: ['hr-*'] },
    });
    const key = created.body.key as string;
    expect((await api(berth.url, `/api/v1/hosts/${second}/containers`, { token: key })).status).toBe(200);
    expectProblem(await api(berth.url, '/api/v1/hosts/local/containers', { token: key }), 404, 'HOST_NOT_FOUND');
    expect((await api(berth.url, '/api/v1/hosts', { token: key })).body.map((h: { id: string }) => h.id)).toEqual([second]);
  });

  it('deleting a host ends the exec sessions on it (a hijacked TLS connection) at once', async () => {
    const gone = `gone-${runId}`;
    const added = await api(berth.url, '/api/v1/hosts', {
      method: 'POST',
      token: berth.token,
      body: { id: gone, url: tls().dockerHost, tls: tlsOf(tls().certPaths.client) },
    });
    expect(added.status, added.text).toBe(201);
    const created = await api(berth.url, `/api/v1/hosts/${gone}/containers`, {
      method: 'POST',
      token: berth.token,
      body: { image: TEST_IMAGE, pull: 'never', name: uniqueName('gone'), labels, cmd: ['sleep', '60'], start: true },
    });
    expect(created.status, created.text).toBe(201);
    const shell = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { host: gone, container: created.body.id, cmd: 'sh' }), {
      token: berth.token,
    });
    shell.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo still-$((40+2))\n')]));
    await shell.until((frames) => frames.some((frame) => Buffer.isBuffer(frame) && frame.subarray(1).toString().includes('still-42')));
    expect((await api(berth.url, `/api/v1/hosts/${gone}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    const closed = await Promise.race([shell.closed, new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000))]);
    expect(closed).toMatchObject({ code: expect.any(Number) });
  });

  it('relabelling a host ends the open streams of those whose role there it changes, and only theirs', async () => {
    const relabel = (labels: Record<string, string>) =>
      api(berth.url, `/api/v1/hosts/${second}`, { method: 'PATCH', token: berth.token, body: { labels } });
    const events = (token: string) => openWs(wsUrl(berth.url, '/api/v1/ws/events', { host: second }), { token });
    const hidden = await userWith('viewer', [{ label: 'env=hidden', role: 'none' }]);
    const byId = await userWith('viewer', [{ host: second, role: 'viewer' }]);
    const [hiddenEvents, byIdEvents] = [await events(hidden), await events(byId)];
    const hiddenOnLocal = await openWs(wsUrl(berth.url, '/api/v1/ws/events', { host: 'local' }), { token: hidden });
    try {
      // Another label: nobody's role changes, no stream ends.
      expect((await relabel({ env: 'second', team: 'web' })).status).toBe(200);
      // The label the none grant matches: that user no longer sees the host.
      expect((await relabel({ env: 'hidden' })).status).toBe(200);
      const within = <T>(promise: Promise<T>) =>
        Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000))]);
      expect(await within(hiddenEvents.closed)).toEqual({ code: 1008, reason: 'credentials revoked' });
      expectProblem(await api(berth.url, `/api/v1/hosts/${second}/containers`, { token: hidden }), 404, 'HOST_NOT_FOUND');
      // The other user's stream on the host, and this user's stream on another host, were not closed: they answer a ping.
      for (const open of [byIdEvents, hiddenOnLocal]) {
        await new Promise<void>((resolve, reject) => {
          open.ws.once('pong', () => resolve());
          open.ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
          open.ws.ping();
        });
      }
    } finally {
      byIdEvents.ws.close();
      hiddenOnLocal.ws.close();
      expect((await relabel({ env: 'second' })).status).toBe(200);
    }
  });
});
