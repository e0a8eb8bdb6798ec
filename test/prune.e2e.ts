import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, createUser, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

const runId = newRunId();
const labels = testLabels(runId);
const RUN_FILTER = `berth.test.run=${runId}`;
const PROTECT = { 'berth.protect': 'true' };
const repo = `berth-test/prune-${runId}`;
const hex64 = () => randomBytes(32).toString('hex');

/** A container of the test image, labelled for this run; started when `running`. */
async function container(
  name: string,
  options: { extra?: Record<string, string>; image?: string; running?: boolean; network?: string; volume?: string } = {},
) {
  const created = await docker.createContainer({
    name: `berth-test-prune-${runId}-${name}`,
    Image: options.image ?? TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { ...labels, ...options.extra },
    HostConfig: {
      ...(options.network && { NetworkMode: options.network }),
      ...(options.volume && { Binds: [`${options.volume}:/data`] }),
    },
  });
  if (options.running) await created.start();
  return created.id;
}

/** An image committed from a container of the test image, tagged `repo:tag`, labelled for this run. */
async function image(tag: string, extra: Record<string, string> = {}): Promise<string> {
  const base = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: labels });
  const changes = Object.entries({ ...labels, ...extra, 'berth.test.nonce': hex64() }).map(([k, v]) => `LABEL ${k}=${v}`);
  const { Id } = (await base.commit({ repo, tag, changes: changes.join('\n') })) as { Id: string };
  await base.remove({ force: true });
  return Id;
}

/**
 * A labelled network on a subnet of its own: the engine's default pools run out when other runs leave
 * networks behind, so the test names a random /24 (another one if it overlaps).
 */
async function network(name: string, extra: Record<string, string> = {}): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    const subnet = `10.${200 + (randomBytes(1)[0] % 50)}.${randomBytes(1)[0]}.0/24`;
    try {
      const created = await docker.createNetwork({
        Name: `berth-test-prune-${runId}-${name}`,
        Labels: { ...labels, ...extra },
        IPAM: { Config: [{ Subnet: subnet }] },
      });
      return created.id;
    } catch (error) {
      if (attempt >= 10 || !/overlap/i.test(String(error))) throw error;
    }
  }
}

async function volume(name: string, extra: Record<string, string> = {}): Promise<string> {
  await docker.createVolume({ Name: name, Labels: { ...labels, ...extra } });
  return name;
}

const exists = {
  container: (id: string) =>
    docker
      .getContainer(id)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  image: (id: string) =>
    docker
      .getImage(id)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  network: (id: string) =>
    docker
      .getNetwork(id)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  volume: (name: string) =>
    docker
      .getVolume(name)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
};

async function removeRunNetworksAndVolumes(): Promise<void> {
  for (const n of await docker.listNetworks({ filters: { label: [RUN_FILTER] } }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  const { Volumes } = await docker.listVolumes({ filters: { label: [RUN_FILTER] } });
  for (const v of Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
}

describe('prune: plan, then execute, on the real engine', () => {
  let berth: BerthProcess;
  const made: Record<string, string> = {};
  const plan = (token: string, body: object) => api(berth.url, '/api/v1/hosts/local/prune/plan', { method: 'POST', token, body });
  const execute = (token: string, body: object, wait = true) =>
    api(berth.url, `/api/v1/hosts/local/prune${wait ? '?wait=true' : ''}`, { method: 'POST', token, body });
  const mine = { labels: [RUN_FILTER], images: 'all', volumes: 'anonymous' };

  beforeAll(async () => {
    berth = await startBerth();
    // Images: one dangling (its tag rebuilt), one tagged and unused, one only a stopped container uses,
    // one the running container uses, one unused but protected.
    made.dangling = await image('app');
    made.runningImage = await image('app');
    made.unusedTagged = await image('unused');
    made.cascadeImage = await image('cascade');
    made.protectedImage = await image('kept', PROTECT);
    // Networks and volumes.
    made.unusedNet = await network('unused');
    made.cascadeNet = await network('cascade');
    made.protectedNet = await network('kept', PROTECT);
    made.runningNet = await network('running');
    made.anonymous = await volume(hex64());
    made.cascadeVolume = await volume(hex64());
    made.named = await volume(`berth-test-prune-${runId}-named`);
    made.protectedVolume = await volume(hex64(), PROTECT);
    // Containers.
    made.created = await container('created');
    made.exited = await container('exited');
    await docker.getContainer(made.exited).start();
    await docker.getContainer(made.exited).stop({ t: 0 });
    made.late = await container('late');
    made.cascade = await container('cascade', { image: `${repo}:cascade`, network: made.cascadeNet, volume: made.cascadeVolume });
    made.protected = await container('protected', { extra: PROTECT });
    made.running = await container('running', { image: `${repo}:app`, running: true, network: made.runningNet });
  }, 120_000);

  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    await removeRunNetworksAndVolumes();
    await docker
      .getImage(made.protectedImage)
      .remove({ force: true })
      .catch(() => undefined);
  });

  const expectedPlan = () =>
    [
      `container:${made.created}`,
      `container:${made.exited}`,
      `container:${made.late}`,
      `container:${made.cascade}`,
      `network:${made.unusedNet}`,
      `network:${made.cascadeNet}`,
      `volume:${made.anonymous}`,
      `volume:${made.cascadeVolume}`,
      `image:${made.dangling}`,
      `image:${made.unusedTagged}`,
      `image:${made.cascadeImage}`,
    ].sort();
  const keys = (items: { kind: string; id: string }[]) => items.map((i) => `${i.kind}:${i.id}`).sort();

  describe('bad input: 400 naming the field, nothing removed', () => {
    it.each<[string, object, string]>([
      ['an unknown kind', { labels: [RUN_FILTER], bogus: true }, 'bogus'],
      ['images: "bogus"', { labels: [RUN_FILTER], images: 'bogus' }, 'images'],
      ['volumes: "some"', { labels: [RUN_FILTER], volumes: 'some' }, 'volumes'],
      ['a bad until', { labels: [RUN_FILTER], until: 'yesterday' }, 'until'],
      ['a bad label filter', { labels: [RUN_FILTER, '=oops'] }, 'labels'],
      ['a label filter that is not a string', { labels: [3] }, 'labels'],
    ])('%s', async (_name, body, field) => {
      for (const response of [await plan(berth.token, body), await execute(berth.token, body)]) {
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      expect(await exists.container(made.created)).toBe(true);
      expect(await exists.image(made.dangling)).toBe(true);
    });
  });

  it('a plan id comes alone: with options it is 400 naming them', async () => {
    const response = await execute(berth.token, { planId: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55', images: 'all' });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'images' })]);
  });

  it('a plan never holds the predefined networks', async () => {
    const response = await plan(berth.token, { containers: false, images: 'none', buildCache: false });
    expect(response.status, response.text).toBe(201);
    const names = response.body.items.map((i: { name: string }) => i.name);
    expect(names).not.toContain('bridge');
    expect(names).not.toContain('host');
    expect(names).not.toContain('none');
  });

  it('a plan filtered by the run label lists exactly what goes, with the cascade, and its totals', async () => {
    const response = await plan(berth.token, mine);
    expect(response.status, response.text).toBe(201);
    const { items, totals, planId, expiresAt } = response.body;
    expect(planId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(keys(items)).toEqual(expectedPlan());
    expect(totals.count).toBe(items.length);
    expect(totals.reclaimableBytes).toBe(items.reduce((sum: number, i: { sizeBytes: number }) => sum + i.sizeBytes, 0));
    expect(totals.byKind).toMatchObject({
      container: { count: 4 },
      network: { count: 2 },
      volume: { count: 2 },
      image: { count: 3 },
      buildCache: { count: 0 },
    });
    expect(items.find((i: { id: string }) => i.id === made.cascadeNet).reason).toBe('unused once the planned containers go');
    // Planning changed nothing.
    expect(await exists.container(made.created)).toBe(true);
  });

  it('executing removes exactly the plan, skips a container started since, and the engine agrees', async () => {
    const planned = await plan(berth.token, mine);
    expect(planned.status, planned.text).toBe(201);
    await docker.getContainer(made.late).start();

    const response = await execute(berth.token, { planId: planned.body.planId });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('location')).toBe(`/api/v1/jobs/${response.body.id}`);
    expect(response.body).toMatchObject({ kind: 'prune', status: 'succeeded', target: planned.body.planId });
    const report = response.body.result;
    const late = report.items.find((i: { id: string }) => i.id === made.late);
    expect(late).toMatchObject({ status: 'skipped', detail: 'started since the plan was made', reclaimedBytes: 0 });
    const removed = report.items.filter((i: { status: string }) => i.status === 'removed');
    expect(keys(removed)).toEqual(expectedPlan().filter((key) => key !== `container:${made.late}`));
    expect(report.totals).toMatchObject({ removed: removed.length, skipped: 1, failed: 0 });

    for (const item of removed)
      expect(await exists[item.kind as keyof typeof exists](item.id), `${item.kind} ${item.name} is gone`).toBe(false);
    const survivors = [
      ['container', made.late],
      ['container', made.protected],
      ['container', made.running],
      ['image', made.runningImage],
      ['image', made.protectedImage],
      ['network', made.protectedNet],
      ['network', made.runningNet],
      ['network', 'bridge'],
      ['volume', made.named],
      ['volume', made.protectedVolume],
    ] as const;
    for (const [kind, id] of survivors) expect(await exists[kind](id), `${kind} ${id} survives`).toBe(true);

    // The audit has the execution with every removed item.
    const [record] = await auditEvents(berth, `action=prune.execute&target=${made.created}`, (events) => events.length > 0);
    expect(record.actor.username).toBe('admin');
    expect(keys(record.details.removed)).toEqual(keys(removed));
    expect(record.details.skipped).toEqual([expect.objectContaining({ id: made.late, detail: 'started since the plan was made' })]);

    // A plan is single-use.
    expectProblem(await execute(berth.token, { planId: planned.body.planId }), 409, 'PLAN_ALREADY_USED');
  });

  it('someone else’s plan is 404, an unknown one too', async () => {
    const owner = await login(berth.url, await createUser(berth, 'operator'));
    const other = await login(berth.url, await createUser(berth, 'operator'));
    const planned = await plan(owner, { labels: [RUN_FILTER], images: 'none' });
    expect(planned.status, planned.text).toBe(201);
    expectProblem(await execute(other, { planId: planned.body.planId }), 404, 'PLAN_NOT_FOUND');
    expectProblem(await execute(owner, { planId: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55' }), 404, 'PLAN_NOT_FOUND');
  });

  it('an operator executing a plan with volumes, and a viewer executing any, are 403 and audited as denied', async () => {
    const operatorUser = await createUser(berth, 'operator');
    const operator = await login(berth.url, operatorUser);
    const withVolume = await volume(hex64());
    const planned = await plan(operator, { labels: [RUN_FILTER], volumes: 'anonymous' });
    expect(planned.status, planned.text).toBe(201);
    expect(planned.body.items.map((i: { id: string }) => i.id)).toContain(withVolume);
    const denied = await execute(operator, { planId: planned.body.planId });
    expectProblem(denied, 403, 'FORBIDDEN');
    expectProblem(await execute(operator, { labels: [RUN_FILTER], volumes: 'all' }), 403, 'FORBIDDEN');
    expect(await exists.volume(withVolume)).toBe(true);

    const viewerUser = await createUser(berth, 'viewer');
    const viewer = await login(berth.url, viewerUser);
    const viewerPlan = await plan(viewer, { labels: [RUN_FILTER] });
    expect(viewerPlan.status, viewerPlan.text).toBe(201);
    expectProblem(await execute(viewer, { planId: viewerPlan.body.planId }), 403, 'FORBIDDEN');

    const [operatorDenied] = await auditEvents(berth, `target=${planned.body.planId}`, (events) => events.some((e) => e.status === 403));
    expect(operatorDenied).toMatchObject({
      action: 'POST /api/v1/hosts/:host/prune',
      status: 403,
      details: { denied: expect.stringContaining('admin') },
    });
    const action = encodeURIComponent('POST /api/v1/hosts/:host/prune');
    await auditEvents(berth, `action=${action}&actor=${viewerUser.username}`, (events) => events.some((e) => e.status === 403));
  });

  it('options without a plan id plan and execute in one call', async () => {
    const oneShot = await container('one-shot', { extra: { 'berth.test.one-shot': runId } });
    const response = await execute(berth.token, { labels: [RUN_FILTER, `berth.test.one-shot=${runId}`], images: 'none', networks: false });
    expect(response.status, response.text).toBe(200);
    expect(response.body.result.items).toEqual([expect.objectContaining({ kind: 'container', id: oneShot, status: 'removed' })]);
    expect(await exists.container(oneShot)).toBe(false);
  });

  it('without ?wait it answers 202 with the job at once', async () => {
    const response = await execute(berth.token, { labels: [RUN_FILTER, 'berth.test.none=1'] }, false);
    expect(response.status, response.text).toBe(202);
    expect(response.body).toMatchObject({ kind: 'prune' });
    const job = await until(async () => {
      const current = await api(berth.url, `/api/v1/jobs/${response.body.id}`, { token: berth.token });
      return current.body.status === 'succeeded' && current.body;
    }, 'the prune job finished');
    expect(job.result).toMatchObject({ items: [], totals: { removed: 0 } });
  });
});

describe('prune: plans expire', () => {
  let berth: BerthProcess;
  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_PRUNE_PLAN_TTL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('an expired plan is 410 and removes nothing', async () => {
    const stopped = await container('expiry');
    const planned = await api(berth.url, '/api/v1/hosts/local/prune/plan', {
      method: 'POST',
      token: berth.token,
      body: { labels: [RUN_FILTER] },
    });
    expect(planned.status, planned.text).toBe(201);
    expect(planned.body.items.map((i: { id: string }) => i.id)).toContain(stopped);
    await until(() => Date.now() > Date.parse(planned.body.expiresAt) + 50, 'the plan expired');
    const response = await api(berth.url, '/api/v1/hosts/local/prune', {
      method: 'POST',
      token: berth.token,
      body: { planId: planned.body.planId },
    });
    expectProblem(response, 410, 'PLAN_EXPIRED');
    expect(await exists.container(stopped)).toBe(true);
  });
});

// Requests that could only remove something if validation broke: sent to a Berth whose engine does not
// exist, so that a regression answers 503 (and fails here) instead of pruning the shared engine.
describe('prune: what is refused before the engine is asked', () => {
  let berth: BerthProcess;
  beforeAll(async () => {
    berth = await startBerth({ env: { DOCKER_HOST: `unix:///nonexistent/berth-prune-${runId}.sock`, BERTH_ENGINE_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => berth?.stop());

  it.each<[string, { body: unknown; headers?: Record<string, string> }, number, string | undefined]>([
    ['an empty object', { body: {} }, 400, 'planId'],
    ['an empty body', { body: '' }, 400, 'planId'],
    // Not parsed at all: 415 says to send application/json (curl -d sends a form).
    [
      'a JSON body sent as text/plain',
      { body: JSON.stringify({ containers: true }), headers: { 'content-type': 'text/plain' } },
      415,
      undefined,
    ],
    ['options that are all null', { body: { labels: null, containers: null } }, 400, 'planId'],
    ['a label filter without a key', { body: { labels: ['=oops'] } }, 400, 'labels'],
    ['a label filter with a newline', { body: { labels: ['a=b\nc'] } }, 400, 'labels'],
  ])('an execution with %s is refused (%i)', async (_name, request, status, field) => {
    const response = await api(berth.url, '/api/v1/hosts/local/prune?wait=true', { method: 'POST', token: berth.token, ...request });
    expect(response.status, response.text).toBe(status);
    if (field) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
