import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, newRunId, removeTestResources, removeTestServices, testLabels, tlsTestEngine } from './support/engine.js';
import { addTlsTestEngine } from './support/hosts.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { logLines, openWs, refusalOf, wsUrl } from './support/ws.js';

// The second engine of scripts/test-engine.sh is a one-node Swarm (its manager): Berth reaches it as a host record.
// Tasks cannot pull (no network there): they run the test image the engine already has, under a second tag for the update.
const engine = tlsTestEngine();
const runId = newRunId();
const V2_IMAGE = `berth-test/busybox:svc-${runId}`;
const swarmHostId = `swarm-svc-${runId}`;
const services = `/api/v1/hosts/${swarmHostId}/services`;
const labels = testLabels(runId);
// TERM ends it at the next second: a rolling update need not wait out the 10 s stop grace period per task.
const TICK = ['sh', '-c', "trap 'exit 0' TERM; while true; do echo tick-$((40+2)); sleep 1; done"];

interface Task {
  state: string;
  desiredState: string;
  image: string | null;
}

describe('Swarm services on a manager host', () => {
  let berth: BerthProcess;
  let token: string;
  let operator: string;
  let viewer: string;
  let id: string;
  const name = `svc-${runId}`.slice(0, 40).replace(/[^a-zA-Z0-9-]/g, '-');

  const inspect = async () => {
    const response = await api(berth.url, `${services}/${id}`, { token });
    expect(response.status, response.text).toBe(200);
    return response.body as { replicas: number; image: string; canRollback: boolean; tasks: Task[]; version: number };
  };
  const running = (tasks: Task[], image: string) =>
    tasks.filter((t) => t.state === 'running' && t.desiredState === 'running' && t.image === image).length;
  const finished = async (jobId: string) =>
    until(
      async () => {
        const job = await api(berth.url, `/api/v1/jobs/${jobId}`, { token });
        return ['succeeded', 'failed', 'canceled'].includes(job.body.status) && job.body;
      },
      `job ${jobId} to finish`,
      { timeoutMs: 180_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    const state = (await engine.docker.info()) as { Swarm?: { LocalNodeState?: string } };
    if (state.Swarm?.LocalNodeState !== 'active')
      await engine.docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.231.0.2' });
    await engine.docker.getImage(TEST_IMAGE).tag({ repo: 'berth-test/busybox', tag: `svc-${runId}` });
    berth = await startBerth({ env: { BERTH_ALLOWED_BIND_ROOTS: '/srv/berth-allowed' } });
    await addTlsTestEngine(berth, swarmHostId, { name: 'Swarm manager' });
    token = berth.token;
    [operator, viewer] = await Promise.all([credentialFor(berth, 'operator'), credentialFor(berth, 'viewer')]);
  }, 180_000);

  afterAll(async () => {
    await berth?.stop();
    await removeTestServices(runId, engine.docker);
    // Task containers go a moment after their service.
    await until(
      async () => (await engine.docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`] } })).length === 0,
      'the task containers to go',
      { timeoutMs: 60_000 },
    ).catch(() => undefined);
    await removeTestResources(runId, engine.docker);
    await engine.docker
      .getImage(V2_IMAGE)
      .remove()
      .catch(() => undefined);
  }, 120_000);

  it('creates a 2-replica service and both tasks come to run', async () => {
    const created = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: {
        name,
        image: TEST_IMAGE,
        cmd: TICK,
        replicas: 2,
        labels,
        containerLabels: labels,
        env: ['SECRET_GREETING=hello'],
        resources: { limits: { memoryBytes: 64 * 1024 * 1024 } },
        updateConfig: { parallelism: 1, delaySeconds: 0, failureAction: 'pause', order: 'stop-first' },
        constraints: ['node.role==manager'],
      },
    });
    expect(created.status, created.text).toBe(201);
    id = created.body.id;
    expect(created.body.name).toBe(name);
    await until(async () => running((await inspect()).tasks, TEST_IMAGE) === 2, 'two tasks running', {
      timeoutMs: 120_000,
      intervalMs: 500,
    });

    const list = await api(berth.url, services, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.items.find((s: { id: string }) => s.id === id)).toMatchObject({
      name,
      mode: 'replicated',
      replicas: 2,
      image: TEST_IMAGE,
    });
    const seen = await api(berth.url, `${services}/${name}`, { token: viewer });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id, constraints: ['node.role==manager'], resources: { limits: { memoryBytes: 64 * 1024 * 1024 } } });
    expect(seen.body.env).toEqual(['SECRET_GREETING=<redacted>']);
  });

  it('scales to 3 as a job that ends converged, followed over the jobs channel', async () => {
    const started = await api(berth.url, `${services}/${id}/scale`, { method: 'POST', token: operator, body: { replicas: 3 } });
    expect(started.status, started.text).toBe(202);
    expect(started.headers.get('location')).toBe(`/api/v1/jobs/${started.body.id}`);
    expect(started.body.kind).toBe('service-update');
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/jobs', { id: started.body.id }), { token: operator });
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 1000, reason: 'job succeeded' });
    const lines = socket.frames
      .map((f) => JSON.parse(String(f)))
      .filter((e) => e.type === 'output')
      .map((e) => e.line);
    expect(lines.at(-1)).toBe('3/3 tasks running at the current spec');
    const job = await finished(started.body.id);
    expect(job.result).toMatchObject({ service: id, runningTasks: 3, desiredTasks: 3 });
    expect(running((await inspect()).tasks, TEST_IMAGE)).toBe(3);
  });

  it('updates its image as a rolling update that completes', async () => {
    const started = await api(berth.url, `${services}/${id}`, { method: 'PATCH', token: operator, body: { image: V2_IMAGE } });
    expect(started.status, started.text).toBe(202);
    const job = await finished(started.body.id);
    expect(job.status, job.error).toBe('succeeded');
    expect(job.result).toMatchObject({ runningTasks: 3, desiredTasks: 3, updateState: 'completed' });
    const after = await inspect();
    expect(after.image).toBe(V2_IMAGE);
    expect(running(after.tasks, V2_IMAGE)).toBe(3);
    expect(after.canRollback).toBe(true);
  });

  it('rolls back to the previous image as a job', async () => {
    const started = await api(berth.url, `${services}/${id}/rollback?wait=true`, { method: 'POST', token: operator });
    expect(started.status, started.text).toBe(200);
    expect(started.body).toMatchObject({ kind: 'service-rollback', status: 'succeeded' });
    expect(started.body.result.updateState).toBe('rollback_completed');
    const after = await inspect();
    expect(after.image).toBe(TEST_IMAGE);
    expect(running(after.tasks, TEST_IMAGE)).toBe(3);
  });

  it('fails the update job when the engine rolls a broken update back, naming the rejected task', async () => {
    const broken = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: { name: `${name}-broken`, image: TEST_IMAGE, cmd: TICK, labels, containerLabels: labels },
    });
    expect(broken.status, broken.text).toBe(201);
    const path = `${services}/${broken.body.id}`;
    await until(async () => running((await api(berth.url, path, { token })).body.tasks, TEST_IMAGE) === 1, 'the task running', {
      timeoutMs: 120_000,
    });
    // An image no node has and none can pull: the task is rejected, and the engine rolls back as told.
    const started = await api(berth.url, path, {
      method: 'PATCH',
      token: operator,
      body: { image: `berth-test/missing:${runId}`, updateConfig: { failureAction: 'rollback', monitorSeconds: 1 } },
    });
    expect(started.status, started.text).toBe(202);
    const job = await finished(started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/rolled the update back/);
    const events = await api(berth.url, `/api/v1/jobs/${started.body.id}/events`, { token });
    expect(
      events.body.items.some((e: { type: string; line?: string }) => e.type === 'output' && /task .* (rejected|failed)/.test(e.line ?? '')),
    ).toBe(true);
    const after = (await api(berth.url, path, { token })).body;
    expect(after.image).toBe(TEST_IMAGE);
    expect((await api(berth.url, path, { method: 'DELETE', token: operator })).status).toBe(204);
  });

  it('answers its tasks’ log as a REST snapshot and over the service-logs channel', async () => {
    await until(async () => {
      const logs = await api(berth.url, `${services}/${id}/logs?tail=20`, { token: viewer });
      return logs.status === 200 && logs.body.some((l: { line: string }) => l.line === 'tick-42');
    }, 'a tick in the service log');
    const text = await fetch(`${berth.url}${services}/${id}/logs?tail=5`, {
      headers: { authorization: `Bearer ${viewer}`, accept: 'text/plain' },
    });
    expect(text.status).toBe(200);
    expect(await text.text()).toContain('tick-42\n');

    const history = await openWs(
      wsUrl(berth.url, '/api/v1/ws/service-logs', { host: swarmHostId, service: name, follow: false, tail: 10 }),
      {
        token: viewer,
      },
    );
    expect((await history.closed).code).toBe(1000);
    expect(logLines(history.frames).map((l) => l.line)).toContain('tick-42');
    const live = await openWs(wsUrl(berth.url, '/api/v1/ws/service-logs', { host: swarmHostId, service: id, tail: 0 }), { token: viewer });
    await live.until((frames) => logLines(frames).some((l) => l.line === 'tick-42' && Boolean(l.ts)));
    live.ws.close();

    const unknown = await refusalOf(wsUrl(berth.url, '/api/v1/ws/service-logs', { host: swarmHostId, service: `nope-${runId}` }), {
      token: viewer,
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SERVICE_NOT_FOUND']);
    expect(
      (await refusalOf(wsUrl(berth.url, '/api/v1/ws/service-logs', { host: swarmHostId, service: '../x' }), { token: viewer })).status,
    ).toBe(404);
    expectProblem(await api(berth.url, `${services}/${id}/logs?until=1m`, { token: viewer }), 400, 'VALIDATION_FAILED');
  });

  it('refuses an operator a service that binds a host path outside the allowed roots (403 POLICY_DENIED), and creates nothing', async () => {
    const evil = `${name}-bind`;
    const denied = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: {
        name: evil,
        image: TEST_IMAGE,
        cmd: TICK,
        labels,
        containerLabels: labels,
        mounts: [{ type: 'bind', source: '/etc', target: '/host-etc' }],
      },
    });
    expectProblem(denied, 403, 'POLICY_DENIED');
    expect(denied.body.rules).toContain('bind-outside-allowed-roots');
    // An update that adds the bind to a service is refused the same way, and changes nothing.
    const before = await inspect();
    const update = await api(berth.url, `${services}/${id}`, {
      method: 'PATCH',
      token: operator,
      body: { mounts: [{ type: 'bind', source: '/', target: '/host' }] },
    });
    expectProblem(update, 403, 'POLICY_DENIED');
    const hostNetwork = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: { name: `${name}-net`, image: TEST_IMAGE, cmd: TICK, labels, networks: ['host'] },
    });
    expectProblem(hostNetwork, 403, 'POLICY_DENIED');
    expect(hostNetwork.body.rules).toContain('host-network');
    const caps = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: { name: `${name}-cap`, image: TEST_IMAGE, cmd: TICK, labels, capAdd: ['SYS_ADMIN'] },
    });
    expectProblem(caps, 403, 'POLICY_DENIED');
    expect(caps.body.rules).toContain('cap-add');

    expect((await inspect()).version).toBe(before.version);
    const names = (await engine.docker.listServices()).map((s) => s.Spec?.Name);
    expect(names).not.toContain(evil);
    expect(names).not.toContain(`${name}-net`);
    expect(names).not.toContain(`${name}-cap`);
  });

  it('lets a viewer read but not create, update or remove (403)', async () => {
    const body = { name: `${name}-viewer`, image: TEST_IMAGE, cmd: TICK, labels };
    expectProblem(await api(berth.url, services, { method: 'POST', token: viewer, body }), 403, 'FORBIDDEN');
    expectProblem(
      await api(berth.url, `${services}/${id}/scale`, { method: 'POST', token: viewer, body: { replicas: 1 } }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await api(berth.url, `${services}/${id}`, { method: 'DELETE', token: viewer }), 403, 'FORBIDDEN');
    expect((await inspect()).replicas).toBe(3);
  });

  it('answers 404 SERVICE_NOT_FOUND for an unknown service and 409 SERVICE_NO_PREVIOUS_SPEC for a rollback without one', async () => {
    expectProblem(await api(berth.url, `${services}/nope-${runId}`, { token: viewer }), 404, 'SERVICE_NOT_FOUND');
    const fresh = await api(berth.url, services, {
      method: 'POST',
      token: operator,
      body: { name: `${name}-fresh`, image: TEST_IMAGE, cmd: TICK, replicas: 0, labels, containerLabels: labels },
    });
    expect(fresh.status, fresh.text).toBe(201);
    expectProblem(
      await api(berth.url, `${services}/${fresh.body.id}/rollback`, { method: 'POST', token: operator }),
      409,
      'SERVICE_NO_PREVIOUS_SPEC',
    );
    expect((await api(berth.url, `${services}/${fresh.body.id}`, { method: 'DELETE', token: operator })).status).toBe(204);
  });

  it('removes it', async () => {
    expect((await api(berth.url, `${services}/${id}`, { method: 'DELETE', token: operator })).status).toBe(204);
    expectProblem(await api(berth.url, `${services}/${id}`, { token: viewer }), 404, 'SERVICE_NOT_FOUND');
    expect((await engine.docker.listServices({ filters: { id: [id] } })).length).toBe(0);
  });
});
