import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, newRunId, removeTestResources, testLabels, tlsTestEngine, uniqueName } from './support/engine.js';
import { tlsOf } from './support/hosts.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/** Issue 15, item 4: fleet views, on the real engines. */
const runId = newRunId();
const labels = testLabels(runId);
const run = `label=berth.test.run=${runId}`;

interface FleetItem {
  host: string;
  id?: string;
  name: string;
  labels: Record<string, string>;
  options?: Record<string, string>;
}
interface FleetPage {
  items: FleetItem[];
  nextCursor: string | null;
  total: number;
  errors: Array<{ host: string; code: string; detail: string }>;
}

/** A port nobody listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fleet views: /api/v1/containers|images|volumes?host=all (issue 15)', () => {
  let berth: BerthProcess;
  let viewer: string;
  const fleet = (path: string, token = berth.token) => api<FleetPage>(berth.url, path, { token });
  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await api(berth.url, path, { method: 'POST', token: berth.token, body });
    expect(response.status, response.text).toBe(201);
    return response.body as { id?: string; name: string };
  };
  const runOn = (host: string, extra: Record<string, string>, start = true) =>
    post(`/api/v1/hosts/${host}/containers`, {
      image: TEST_IMAGE,
      pull: 'never',
      labels: { ...labels, ...extra },
      cmd: ['sleep', '300'],
      start,
    });

  beforeAll(async () => {
    berth = await startBerth();
    viewer = await credentialFor(berth, 'viewer');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('lists the containers of local, each naming its host, with the filters of the per-host list', async () => {
    const running = await runOn('local', { 'berth.test.fleet': 'a' });
    const stopped = await runOn('local', { 'berth.test.fleet': 'b' }, false);

    const page = await fleet(`/api/v1/containers?host=all&${run}`);
    expect(page.status, page.text).toBe(200);
    expect(page.body.errors).toEqual([]);
    // No `all`: only running containers, as `docker ps`.
    expect(page.body.items.map((c) => [c.host, c.id])).toEqual([['local', running.id]]);

    const all = await fleet(`/api/v1/containers?host=all&all=true&${run}`);
    expect(all.body.items.map((c) => c.id).sort()).toEqual([running.id, stopped.id].sort());
    expect(all.body).toMatchObject({ total: 2, nextCursor: null });
    // The same items as the per-host list, in its order, plus their host.
    const local = await api(berth.url, `/api/v1/hosts/local/containers?all=true&${run}`, { token: berth.token });
    expect(all.body.items).toEqual(local.body.items.map((c: object) => ({ ...c, host: 'local' })));

    const labelled = await fleet(`/api/v1/containers?host=local&all=true&${run}&label=berth.test.fleet=b`);
    expect(labelled.body.items.map((c) => [c.host, c.id])).toEqual([['local', stopped.id]]);
    const created = await fleet(`/api/v1/containers?host=all&status=created&${run}`);
    expect(created.body.items.map((c) => c.id)).toEqual([stopped.id]);
  });

  it('pages across the fleet by cursor: each container once, the same total on every page', async () => {
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push((await runOn('local', { 'berth.test.fleet': 'paging' }, false)).id);
    const path = `/api/v1/containers?host=all&all=true&${run}&label=berth.test.fleet=paging&limit=2`;
    const first = await fleet(path);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.total).toBe(3);
    const second = await fleet(`${path}&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ total: 3, nextCursor: null });
    const ids = [...first.body.items, ...second.body.items].map((c) => c.id);
    expect([...ids].sort()).toEqual([...made].sort());
    // A per-host cursor is not a fleet cursor.
    const perHost = await api(berth.url, `/api/v1/hosts/local/containers?all=true&${run}&label=berth.test.fleet=paging&limit=2`, {
      token: berth.token,
    });
    expectProblem(await fleet(`${path}&cursor=${perHost.body.nextCursor}`), 400, 'VALIDATION_FAILED');
  });

  it('lists images and volumes with their host; viewers get the per-host redaction of volume options', async () => {
    const images = await fleet(`/api/v1/images?host=all&reference=${encodeURIComponent(TEST_IMAGE)}`, viewer);
    expect(images.status, images.text).toBe(200);
    expect(images.body.items.length).toBeGreaterThan(0);
    expect(images.body.items.every((i) => i.host === 'local')).toBe(true);
    expect((images.body.items[0] as unknown as { repoTags: string[] }).repoTags).toContain(TEST_IMAGE);

    const name = uniqueName('fleet-vol');
    await post('/api/v1/hosts/local/volumes', { name, labels, driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const asAdmin = await fleet(`/api/v1/volumes?host=all&${run}`);
    expect(asAdmin.body.items.map((v) => [v.host, v.name, v.options])).toEqual([
      ['local', name, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }],
    ]);
    const asViewer = await fleet(`/api/v1/volumes?host=all&${run}`, viewer);
    expect(asViewer.body.items.map((v) => [v.host, v.name, v.options])).toEqual([
      ['local', name, { type: '<redacted>', device: '<redacted>', o: '<redacted>' }],
    ]);
  });

  it.each([
    ['no host', '/api/v1/containers', 400, 'VALIDATION_FAILED'],
    ['host=all beside a host id', '/api/v1/containers?host=all&host=local', 400, 'VALIDATION_FAILED'],
    ['a host id out of grammar', '/api/v1/images?host=Local!', 400, 'VALIDATION_FAILED'],
    ['a per-host filter out of grammar', '/api/v1/containers?host=all&status=sleeping', 400, 'VALIDATION_FAILED'],
    ['an unknown parameter', '/api/v1/volumes?host=all&colour=red', 400, 'VALIDATION_FAILED'],
    ['a host Berth does not know', '/api/v1/volumes?host=local&host=nowhere', 404, 'HOST_NOT_FOUND'],
  ])('refuses %s', async (_name, path, status, code) => {
    expectProblem(await fleet(path, viewer), status, code);
  });

  it('needs a credential', async () => {
    expectProblem(await api(berth.url, '/api/v1/containers?host=all'), 401, 'UNAUTHENTICATED');
  });

  it('shows both engines with their host, and stays 200 with the error of a host that does not answer', async () => {
    const second = tlsTestEngine();
    const tls = tlsOf(second.certPaths.client);
    const remote = `fleet-${runId}`;
    const dead = `fleet-dead-${runId}`;
    try {
      await post('/api/v1/hosts', { id: remote, url: second.dockerHost, tls, labels });
      const there = await until(
        async () => {
          const response = await api(berth.url, `/api/v1/hosts/${remote}/containers`, {
            method: 'POST',
            token: berth.token,
            body: {
              image: TEST_IMAGE,
              pull: 'never',
              labels: { ...labels, 'berth.test.fleet': 'both' },
              cmd: ['sleep', '300'],
              start: true,
            },
          });
          // A host just added may not be up yet (503); anything else is an answer.
          if (response.status === 503) return false;
          expect(response.status, response.text).toBe(201);
          return response.body as { id: string };
        },
        'a container on the second engine',
        { timeoutMs: 30_000 },
      );
      const here = await runOn('local', { 'berth.test.fleet': 'both' });

      const both = await fleet(`/api/v1/containers?host=all&${run}&label=berth.test.fleet=both`);
      expect(both.status, both.text).toBe(200);
      expect(both.body.errors).toEqual([]);
      // By host id: `fleet-…` sorts before `local`.
      expect(both.body.items.map((c) => [c.host, c.id])).toEqual([
        [remote, there.id],
        ['local', here.id],
      ]);
      const chosen = await fleet(`/api/v1/containers?host=local&host=${remote}&${run}&label=berth.test.fleet=both`);
      expect(chosen.body.items.map((c) => c.host)).toEqual([remote, 'local']);

      // A host nobody answers for: a record pointing at a closed port (the real second engine keeps running).
      await post('/api/v1/hosts', { id: dead, url: `tcp://127.0.0.1:${await closedPort()}`, tls, labels });
      const partial = await fleet(`/api/v1/containers?host=all&${run}&label=berth.test.fleet=both`);
      expect(partial.status, partial.text).toBe(200);
      expect(partial.body.items.map((c) => [c.host, c.id])).toEqual([
        [remote, there.id],
        ['local', here.id],
      ]);
      expect(partial.body.errors).toEqual([{ host: dead, code: expect.stringMatching(/^[A-Z_]+$/), detail: expect.any(String) }]);
      const volumes = await fleet(`/api/v1/volumes?host=all&${run}`);
      expect(volumes.status).toBe(200);
      expect(volumes.body.errors.map((e) => e.host)).toEqual([dead]);
    } finally {
      for (const id of [remote, dead]) await api(berth.url, `/api/v1/hosts/${id}`, { method: 'DELETE', token: berth.token });
      await removeTestResources(runId, second.docker);
    }
  });
});
