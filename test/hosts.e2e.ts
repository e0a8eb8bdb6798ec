import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, tlsTestEngine } from './support/engine.js';
import { tlsOf } from './support/hosts.js';
import { ApiRequest, ApiResponse, api as rawApi, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { logLines, openWs, wsUrl } from './support/ws.js';

const engine = tlsTestEngine();
const tls = tlsOf(engine.certPaths.client);
/** A line from the middle of the client's private key: what must never come back or reach the log. */
const keyMarker = tls.key.split('\n')[5];

const engineAnswers = () =>
  engine.docker.ping().then(
    () => true,
    () => false,
  );
/** Starts the TLS engine when it is not running (the script is idempotent, and never touches the first engine). */
const ensureTlsEngine = async () => {
  if (!(await engineAnswers())) execFileSync('bash', ['scripts/test-engine.sh'], { stdio: 'ignore', timeout: 180_000 });
};

describe('hosts: records, engines built from them, live status', () => {
  const runId = newRunId();
  const labels = testLabels(runId);
  const hostId = `e2e-tls-${runId}`;
  const answers: string[] = [];
  let berth: BerthProcess;
  let viewer: string;
  let operator: string;
  let plainHttp: Server;
  let plainUrl: string;

  /** Every answer is kept, to check that no key ever came back. */
  const api = async (path: string, request: ApiRequest = {}): Promise<ApiResponse> => {
    const response = await rawApi(berth.url, path, { token: berth.token, ...request });
    answers.push(response.text);
    return response;
  };
  const onHost = (path: string, request: ApiRequest = {}) => api(`/api/v1/hosts/${hostId}${path}`, request);

  beforeAll(async () => {
    await ensureTlsEngine();
    berth = await startBerth({ env: { BERTH_ENGINE_TIMEOUT_MS: '3000' } });
    viewer = await credentialFor(berth, 'viewer');
    operator = await credentialFor(berth, 'operator');
    plainHttp = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found'));
    await new Promise<void>((resolve) => plainHttp.listen(0, '127.0.0.1', resolve));
    plainUrl = `tcp://127.0.0.1:${(plainHttp.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await ensureTlsEngine();
    await removeTestResources(runId, engine.docker);
    await removeTestResources(runId);
    await berth?.stop();
    await new Promise((resolve) => plainHttp?.close(resolve));
  });

  it('tests an unsaved host: ok with its versions, or tls, auth, unreachable, not-docker as it honestly is', async () => {
    const test = (body: object) => api('/api/v1/hosts/test', { method: 'POST', body });
    const version = await engine.docker.version();
    const ok = await test({ url: engine.dockerHost, tls });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, engineVersion: version.Version, apiVersion: version.ApiVersion });
    // The body a user is about to POST to /hosts, tested as is (id, name and labels are ignored here).
    const asCreated = await test({ id: 'not-saved', name: 'Not saved', labels: { env: 'staging' }, url: engine.dockerHost, tls });
    expect(asCreated.body).toMatchObject({ ok: true });
    expect((await api('/api/v1/hosts/not-saved', {})).status).toBe(404);

    expect((await test({ url: engine.dockerHost, tls: tlsOf(engine.certPaths.wrongCa) })).body).toMatchObject({
      ok: false,
      reason: 'tls',
      detail: expect.stringMatching(/not signed by the CA/),
    });
    expect((await test({ url: engine.dockerHost, tls: tlsOf(engine.certPaths.untrustedClient) })).body).toMatchObject({
      ok: false,
      reason: 'auth',
      detail: expect.stringMatching(/client certificate/),
    });
    expect((await test({ url: engine.dockerHost.replace(/:2376$/, ':2399'), tls })).body).toMatchObject({
      ok: false,
      reason: 'unreachable',
    });
    expect((await test({ url: plainUrl, plainHttp: true })).body).toMatchObject({ ok: false, reason: 'not-docker' });
    // Plain HTTP to the TLS engine: the engine says so, and so does the answer.
    expect((await test({ url: engine.dockerHost, plainHttp: true })).body).toMatchObject({ ok: false, reason: 'tls' });
  });

  it.each([
    ['a unix socket', { url: 'unix:///var/run/docker.sock' }, 'url'],
    ['tcp without TLS and without plainHttp', { url: 'tcp://10.231.0.2:2376' }, 'tls'],
    [
      'a key of another certificate',
      { url: 'tcp://10.231.0.2:2376', tls: { ...tls, key: tlsOf(engine.certPaths.untrustedClient).key } },
      'tls.key',
    ],
    ['a CA that is not a certificate', { url: 'tcp://10.231.0.2:2376', tls: { ...tls, ca: 'not a certificate' } }, 'tls.ca'],
    ['ssh without credentials', { url: 'ssh://berth@10.231.0.2' }, 'ssh'],
    ['ssh as an empty array (found by the fuzz walk: it was a 500)', { url: 'ssh://berth@10.231.0.2', ssh: [] }, 'ssh'],
    ['tls as an empty array', { url: 'tcp://10.231.0.2:2376', tls: [] }, 'tls'],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_, body, field) => {
    const response = await api('/api/v1/hosts', { method: 'POST', body: { id: `bad-${runId}`, ...body } });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field }));
    expectProblem(await api(`/api/v1/hosts/bad-${runId}`), 404, 'HOST_NOT_FOUND');
  });

  it('refuses a reserved or malformed id', async () => {
    for (const id of ['local', 'all', 'Upper', '-dash', 'a'.repeat(64)]) {
      const response = await api('/api/v1/hosts', { method: 'POST', body: { id, url: engine.dockerHost, tls } });
      expectProblem(response, 400, 'VALIDATION_FAILED');
    }
  });

  it('lets only admins add, change, delete and test unsaved hosts (403 for a viewer and an operator)', async () => {
    for (const token of [viewer, operator]) {
      expectProblem(
        await api('/api/v1/hosts', { method: 'POST', token, body: { id: `nope-${runId}`, url: engine.dockerHost, tls } }),
        403,
        'FORBIDDEN',
      );
      expectProblem(await api('/api/v1/hosts/test', { method: 'POST', token, body: { url: engine.dockerHost, tls } }), 403, 'FORBIDDEN');
      expectProblem(await api('/api/v1/hosts/local', { method: 'PATCH', token, body: { name: 'x' } }), 403, 'FORBIDDEN');
      expectProblem(await api('/api/v1/hosts/local', { method: 'DELETE', token }), 403, 'FORBIDDEN');
    }
    expectProblem(await api(`/api/v1/hosts/nope-${runId}`), 404, 'HOST_NOT_FOUND');
  });

  it('adds the TLS engine as a host: listed up with its versions; the key comes back only as hasKey', async () => {
    const created = await api('/api/v1/hosts', {
      method: 'POST',
      body: { id: hostId, name: 'TLS engine', url: engine.dockerHost, tls, labels: { env: 'e2e' } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      id: hostId,
      name: 'TLS engine',
      builtIn: false,
      url: engine.dockerHost,
      plainHttp: false,
      tls: { ca: tls.ca, cert: tls.cert, hasKey: true },
      labels: { env: 'e2e' },
      status: { state: 'up', apiVersion: (await engine.docker.version()).ApiVersion },
    });
    expect(created.body.tls.key).toBeUndefined();
    expectProblem(await api('/api/v1/hosts', { method: 'POST', body: { id: hostId, url: engine.dockerHost, tls } }), 409, 'HOST_EXISTS');

    const listed = await api('/api/v1/hosts');
    expect(listed.body.map((h: { id: string }) => h.id)).toEqual(expect.arrayContaining(['local', hostId]));
    expect(listed.body.find((h: { id: string }) => h.id === 'local')).toMatchObject({ builtIn: true, status: { state: 'up' } });
    // A viewer sees the host and its status, not how Berth reaches it.
    const seen = await api(`/api/v1/hosts/${hostId}`, { token: viewer });
    expect(seen.body).toEqual({
      id: hostId,
      name: 'TLS engine',
      builtIn: false,
      labels: { env: 'e2e' },
      status: expect.objectContaining({ state: 'up' }),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api(`/api/v1/hosts/${hostId}/test`, { method: 'POST', token: operator })).body).toMatchObject({ ok: true });
  });

  it('runs a container there (create, start, list, logs, exec, WS logs), on that engine and not on local', async () => {
    const created = await onHost('/containers', {
      method: 'POST',
      body: {
        image: TEST_IMAGE,
        labels,
        network: 'none',
        start: true,
        cmd: ['sh', '-c', 'echo hello-from-tls; while :; do sleep 1; done'],
      },
    });
    expect(created.status, created.text).toBe(201);
    const { id } = created.body;
    expect((await engine.docker.getContainer(id).inspect()).State.Running).toBe(true);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const list = await onHost(`/containers?label=berth.test.run=${runId}`);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await api(`/api/v1/hosts/local/containers?label=berth.test.run=${runId}`)).body.items).toEqual([]);

    await until(
      async () => (await onHost(`/containers/${id}/logs`)).body.some?.((l: { line: string }) => l.line === 'hello-from-tls'),
      'the log line',
    );
    const exec = await onHost(`/containers/${id}/exec`, { method: 'POST', body: { cmd: ['cat', '/var/www/index.html'] } });
    expect(exec.body).toMatchObject({ exitCode: 0, stdout: 'hello from berth-test\n' });

    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { host: hostId, container: id, follow: true }), { token: berth.token });
    await socket.until((frames) => logLines(frames).some((l) => l.line === 'hello-from-tls'));
    await onHost(`/containers/${id}/exec`, { method: 'POST', body: { cmd: ['sh', '-c', 'echo followed > /proc/1/fd/1'] } });
    await socket.until((frames) => logLines(frames).some((l) => l.line === 'followed'));
    socket.ws.close();
  });

  it('renames a host; local stays built in', async () => {
    const renamed = await onHost('', { method: 'PATCH', body: { name: 'TLS engine (renamed)' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'TLS engine (renamed)', tls: { hasKey: true }, status: { state: 'up' } });
    expect((await onHost(`/containers?label=berth.test.run=${runId}`)).body.items).toHaveLength(1);
    // New certificates rebuild the engine at once: the wrong CA takes the host down, the right one brings it back.
    const wrong = await onHost('', { method: 'PATCH', body: { tls: tlsOf(engine.certPaths.wrongCa) } });
    expect(wrong.body.status).toMatchObject({ state: 'down', reason: expect.stringMatching(/TLS: .*not signed by the CA/) });
    expectProblem(await onHost('/containers'), 503, 'ENGINE_UNAVAILABLE');
    expect((await onHost('', { method: 'PATCH', body: { tls } })).body.status).toMatchObject({ state: 'up' });
    expectProblem(await api('/api/v1/hosts/local', { method: 'PATCH', body: { name: 'x' } }), 409, 'HOST_BUILT_IN');
    expectProblem(await api('/api/v1/hosts/local', { method: 'DELETE' }), 409, 'HOST_BUILT_IN');
  });

  it('keeps its hosts over a restart of Berth', async () => {
    await berth.restart();
    const host = await api(`/api/v1/hosts/${hostId}`);
    expect(host.body).toMatchObject({ name: 'TLS engine (renamed)', status: { state: 'up' } });
    expect((await onHost(`/containers?label=berth.test.run=${runId}`)).body.items).toHaveLength(1);
  });

  it('answers 503 on a down host only, fast, stays ready with local, and recovers by itself', { timeout: 300_000 }, async () => {
    // A container of this run on each engine, for the fleet list: local's stays listed while the other is down.
    const here = await api('/api/v1/hosts/local/containers', {
      method: 'POST',
      body: { image: TEST_IMAGE, labels, network: 'none', cmd: ['true'] },
    });
    expect(here.status, here.text).toBe(201);
    const [there] = (await onHost(`/containers?all=true&label=berth.test.run=${runId}`)).body.items as Array<{ id: string }>;
    expect(there).toBeDefined();
    const fleetList = () => api(`/api/v1/containers?host=all&all=true&label=berth.test.run=${runId}`);
    /** One look at Berth while the engine is stopped; undefined when the engine came back meanwhile (the script of another run starts it). */
    const duringOutage = async () => {
      execFileSync('bash', ['scripts/test-engine.sh', 'stop-tls'], { stdio: 'ignore', timeout: 60_000 });
      // A connection the test client kept alive may be cut while the engine stops: poll past that.
      await until(async () => (await onHost('/containers')).status === 503, 'its routes to answer 503', { ignoreErrors: true });
      const started = Date.now();
      const down = await onHost('/containers');
      const elapsedMs = Date.now() - started;
      const local = await api('/api/v1/hosts/local/containers');
      const ready = await rawApi(berth.url, '/readyz');
      const host = await api(`/api/v1/hosts/${hostId}`);
      const fleet = await fleetList();
      return !(await engineAnswers()) && down.status === 503 ? { down, elapsedMs, local, ready, host, fleet } : undefined;
    };
    let seen: Awaited<ReturnType<typeof duringOutage>>;
    try {
      for (let attempt = 0; attempt < 3 && !seen; attempt++) seen = await duringOutage();
    } finally {
      await ensureTlsEngine();
    }
    expect(seen, 'the TLS engine stayed stopped long enough to look').toBeDefined();
    const { down, elapsedMs, local, ready, host, fleet } = seen!;
    expectProblem(down, 503, 'ENGINE_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toBe('5');
    // Known down: answered at once, not after the engine timeout (3 s here).
    expect(elapsedMs).toBeLessThan(1500);
    expect(local.status).toBe(200);
    expect(ready.status).toBe(200);
    // Public: how many host records are down, never which.
    expect(ready.body.checks).toMatchObject({ 'host:local': 'ok', hosts: expect.stringMatching(/down: [1-9]|unknown: [1-9]/) });
    expect(ready.text).not.toContain(hostId);
    expect(host.body.status).toMatchObject({ state: 'down', reason: expect.any(String) });
    // The fleet list is partial, never failed: local's items, and the down host's error.
    expect(fleet.status, fleet.text).toBe(200);
    expect(fleet.body.items.map((c: { host: string; id: string }) => [c.host, c.id])).toEqual([['local', here.body.id]]);
    expect(fleet.body.errors).toEqual([{ host: hostId, code: 'ENGINE_UNAVAILABLE', detail: expect.any(String) }]);

    await until(async () => (await onHost('/containers')).status === 200, 'its routes to answer again', {
      timeoutMs: 90_000,
      ignoreErrors: true,
    });
    expect((await api(`/api/v1/hosts/${hostId}`)).body.status).toMatchObject({ state: 'up' });
    const healed = await fleetList();
    expect(healed.status, healed.text).toBe(200);
    expect(healed.body.errors).toEqual([]);
    // By host id: `e2e-tls-…` sorts before `local`.
    expect(healed.body.items.map((c: { host: string; id: string }) => [c.host, c.id])).toEqual([
      [hostId, there.id],
      ['local', here.body.id],
    ]);
  });

  it('deletes a host: its routes are 404, the engine is untouched', async () => {
    expect((await onHost('', { method: 'DELETE' })).status).toBe(204);
    expectProblem(await onHost('/containers'), 404, 'HOST_NOT_FOUND');
    expect((await api('/api/v1/hosts')).body.map((h: { id: string }) => h.id)).not.toContain(hostId);
    expect(await engineAnswers()).toBe(true);
  });

  it('never returned the private key (audit included), nor wrote it to the log', async () => {
    const audit = await api('/api/v1/audit?limit=100');
    expect(audit.text).toContain(hostId);
    expect(keyMarker.length).toBeGreaterThan(20);
    for (const text of answers) expect(text).not.toContain(keyMarker);
    expect(berth.output()).not.toContain(keyMarker);
  });
});
