import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, TEST_LABEL, newRunId, removeTestResources, testLabels, tlsTestEngine, uniqueName } from './support/engine.js';
import { addTlsTestEngine } from './support/hosts.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

// The second engine of scripts/test-engine.sh is a single-node Swarm manager: one Berth reaches it as a host record
// (over TLS), beside `local`, the first engine, which is in no swarm.
const engine = tlsTestEngine();
const runId = newRunId();
const labels = testLabels(runId);
const swarmHostId = `swarm-${runId}`;
const host = `/api/v1/hosts/${swarmHostId}`;
const local = '/api/v1/hosts/local';

/** Secrets and configs this run made on the engine, removed at the end (a service's must wait for the service to go). */
async function removeSwarmObjects(): Promise<void> {
  const filters = { label: [`berth.test.run=${runId}`] };
  const secrets = (await engine.docker.listSecrets({ filters })) as Array<{ ID: string }>;
  const configs = (await engine.docker.listConfigs({ filters })) as Array<{ ID: string }>;
  await Promise.all([
    ...secrets.map((s) =>
      engine.docker
        .getSecret(s.ID)
        .remove()
        .catch(() => undefined),
    ),
    ...configs.map((c) =>
      engine.docker
        .getConfig(c.ID)
        .remove()
        .catch(() => undefined),
    ),
  ]);
}

describe('Swarm on a manager host', () => {
  let berth: BerthProcess;
  let operator: string;
  let viewer: string;
  let nodeId: string;
  let serviceId: string;
  let usedSecretName: string;
  const serviceName = uniqueName('swarm');
  const secretValue = `berth-secret-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    berth = await startBerth();
    await addTlsTestEngine(berth, swarmHostId, { name: 'Swarm manager' });
    [operator, viewer] = await Promise.all([credentialFor(berth, 'operator'), credentialFor(berth, 'viewer')]);
    // A service with a secret, made behind Berth's back: tasks to list, and a secret in use.
    usedSecretName = uniqueName('used');
    const used = (await engine.docker.createSecret({
      Name: usedSecretName,
      Labels: labels,
      Data: Buffer.from('x').toString('base64'),
    })) as {
      id: string;
    };
    const service = await engine.docker.createService({
      Name: serviceName,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: TEST_IMAGE,
          Command: ['sleep', '3600'],
          Labels: labels,
          Secrets: [{ SecretID: used.id, SecretName: usedSecretName, File: { Name: 'used', UID: '0', GID: '0', Mode: 0o400 } }],
        },
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    serviceId = service.id;
  });

  afterAll(async () => {
    // Each step on its own: one that fails (the engine restarting under another test) must not skip the others.
    const steps: Array<() => Promise<unknown>> = [
      // The node always ends active and without this run's label, whatever failed.
      async () => {
        if (!nodeId) return;
        const node = await engine.docker.getNode(nodeId).inspect();
        const spec = { ...node.Spec, Availability: 'active', Labels: { ...node.Spec.Labels } };
        delete spec.Labels[`berth.test.${runId}`];
        await engine.docker.getNode(nodeId).update({ version: node.Version.Index, ...spec });
      },
      async () => serviceId && (await engine.docker.getService(serviceId).remove()),
      () =>
        until(
          async () => (await engine.docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`] } })).length === 0,
          "the service's task containers to go",
          { timeoutMs: 60_000 },
        ),
      removeSwarmObjects,
      () => removeTestResources(runId, engine.docker),
      () => berth?.stop(),
    ];
    for (const step of steps) await step().catch((error: unknown) => console.warn('swarm e2e cleanup:', error));
  });

  it('GET /swarm says active, manager, with the node id and never a join token', async () => {
    const swarm = await api(berth.url, `${host}/swarm`, { token: viewer });
    expect(swarm.status, swarm.text).toBe(200);
    expect(swarm.body).toMatchObject({ state: 'active', manager: true, nodeAddress: '10.231.0.2' });
    expect(swarm.body.nodeId).toMatch(/^[a-z0-9]{25}$/);
    expect(swarm.body.clusterId).toMatch(/^[a-z0-9]{25}$/);
    expect(swarm.text).not.toMatch(/SWMTKN|joinToken|JoinTokens/i);
    nodeId = swarm.body.nodeId;
  });

  it('lists the nodes and inspects one by id', async () => {
    const nodes = await api(berth.url, `${host}/nodes`, { token: viewer });
    expect(nodes.status, nodes.text).toBe(200);
    const node = nodes.body.items.find((n: { id: string }) => n.id === nodeId);
    expect(node).toMatchObject({ role: 'manager', state: 'ready', leader: true, address: '10.231.0.2' });
    const one = await api(berth.url, `${host}/nodes/${nodeId}`, { token: viewer });
    expect([one.status, one.body.id]).toEqual([200, nodeId]);
    expectProblem(await api(berth.url, `${host}/nodes/nosuchnode`, { token: viewer }), 404, 'NODE_NOT_FOUND');
    expectProblem(await api(berth.url, `${host}/nodes/..%2Fswarm`, { token: viewer }), 400, 'VALIDATION_FAILED');
  });

  it('lists the tasks of a service, with their state, filtered by service and desired state', async () => {
    const running = await until(async () => {
      const tasks = await api(berth.url, `${host}/tasks?service=${serviceName}&desiredState=running`, { token: viewer });
      expect(tasks.status, tasks.text).toBe(200);
      return tasks.body.items.find((t: { state?: string }) => t.state === 'running');
    }, 'a running task of the service');
    expect(running).toMatchObject({ serviceId, nodeId, desiredState: 'running', slot: 1 });
    expect(running.containerId).toMatch(/^[0-9a-f]{64}$/);
    expectProblem(await api(berth.url, `${host}/tasks?desiredState=sideways`, { token: viewer }), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, `${host}/tasks?service=no-such-service-${runId}`, { token: viewer }), 404, 'SERVICE_NOT_FOUND');
  });

  it('drains the node (its tasks leave) and makes it active again (they come back)', async () => {
    const drain = await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: operator, body: { availability: 'drain' } });
    expect(drain.status, drain.text).toBe(200);
    expect(drain.body.availability).toBe('drain');
    expect((await engine.docker.getNode(nodeId).inspect()).Spec.Availability).toBe('drain');
    await until(async () => {
      const tasks = await api(berth.url, `${host}/tasks?service=${serviceName}`, { token: viewer });
      return tasks.body.items.every((t: { state?: string }) => t.state !== 'running');
    }, 'the tasks to leave the drained node');
    const active = await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: operator, body: { availability: 'active' } });
    expect([active.status, active.body.availability]).toEqual([200, 'active']);
    await until(async () => {
      const tasks = await api(berth.url, `${host}/tasks?service=${serviceName}&desiredState=running`, { token: viewer });
      return tasks.body.items.some((t: { state?: string }) => t.state === 'running');
    }, 'a task running again');
  });

  it('sets and removes a label on the node; refuses bad availability and labels, and viewers', async () => {
    const key = `berth.test.${runId}`;
    const set = await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: operator, body: { labels: { [key]: 'a' } } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.labels[key]).toBe('a');
    expect((await engine.docker.getNode(nodeId).inspect()).Spec.Labels[key]).toBe('a');
    const removed = await api(berth.url, `${host}/nodes/${nodeId}`, {
      method: 'PATCH',
      token: operator,
      body: { labels: { [key]: null } },
    });
    expect(removed.status, removed.text).toBe(200);
    expect(Object.keys(removed.body.labels)).not.toContain(key);
    expectProblem(
      await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: operator, body: { availability: 'sleep' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: operator, body: { labels: { 'a=b': 'c' } } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api(berth.url, `${host}/nodes/${nodeId}`, { method: 'PATCH', token: viewer, body: { availability: 'drain' } }),
      403,
      'FORBIDDEN',
    );
    expect((await engine.docker.getNode(nodeId).inspect()).Spec.Availability).toBe('active');
  });

  it('creates a secret that is never readable, lists it, refuses a second of that name, removes it', async () => {
    const name = uniqueName('secret');
    const created = await api(berth.url, `${host}/secrets`, {
      method: 'POST',
      token: operator,
      body: { name, value: secretValue, labels },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[a-z0-9]{25}$/), name });
    const id = created.body.id;

    const list = await api(berth.url, `${host}/secrets?label=berth.test.run=${runId}`, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain(name);
    for (const ref of [id, name]) {
      const one = await api(berth.url, `${host}/secrets/${ref}`, { token: operator });
      expect([one.status, one.body.id, one.body.name]).toEqual([200, id, name]);
      expect(Object.keys(one.body).sort()).toEqual(['createdAt', 'driver', 'id', 'labels', 'name', 'updatedAt']);
    }
    expectProblem(
      await api(berth.url, `${host}/secrets`, { method: 'POST', token: operator, body: { name, value: 'other' } }),
      409,
      'NAME_CONFLICT',
    );

    const removed = await api(berth.url, `${host}/secrets/${id}`, { method: 'DELETE', token: operator });
    expect(removed.status, removed.text).toBe(204);
    expectProblem(await api(berth.url, `${host}/secrets/${id}`, { token: viewer }), 404, 'SECRET_NOT_FOUND');
    // Audited like every mutation (by the id it made), and the value went nowhere: no answer above, the audit log,
    // Berth's log (nor its base64).
    const [record] = await auditEvents(
      berth,
      `action=${encodeURIComponent('POST /api/v1/hosts/:host/secrets')}&target=${id}`,
      (items) => items.length === 1,
    );
    expect(record.status).toBe(201);
    const audit = await api(berth.url, '/api/v1/audit?limit=1000', { token: berth.token });
    for (const text of [list.text, audit.text, berth.output()]) {
      expect(text).not.toContain(secretValue);
      expect(text).not.toContain(Buffer.from(secretValue).toString('base64'));
    }
  });

  it('takes a 500 KB secret, refuses one byte more, a bad name, bad base64 and viewers, with clear problems', async () => {
    const big = uniqueName('big');
    const limit = await api(berth.url, `${host}/secrets`, {
      method: 'POST',
      token: operator,
      body: { name: big, value: 'y'.repeat(500 * 1024 - 1), labels },
    });
    expect(limit.status, limit.text.slice(0, 300)).toBe(201);
    const over = await api(berth.url, `${host}/secrets`, {
      method: 'POST',
      token: operator,
      body: { name: uniqueName('over'), value: 'z'.repeat(500 * 1024), labels },
    });
    expectProblem(over, 400, 'VALIDATION_FAILED');
    expect(over.body.errors.map((e: { field: string }) => e.field)).toEqual(['value']);
    expect(over.text).not.toContain('zzzz');
    expectProblem(
      await api(berth.url, `${host}/secrets`, { method: 'POST', token: operator, body: { name: 'bad name!', value: 'v' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await api(berth.url, `${host}/secrets`, {
        method: 'POST',
        token: operator,
        body: { name: uniqueName('b64'), value: 'not*base64', encoding: 'base64' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    const byViewer = await api(berth.url, `${host}/secrets`, {
      method: 'POST',
      token: viewer,
      body: { name: uniqueName('viewer'), value: 'v', labels },
    });
    expectProblem(byViewer, 403, 'FORBIDDEN');
    expect(
      (await engine.docker.listSecrets({ filters: { label: [`berth.test.run=${runId}`] } })).map((s: any) => s.Spec.Name).sort(),
    ).toEqual([big, usedSecretName].sort());
  });

  it('refuses to remove a secret a service uses: 409 SECRET_IN_USE', async () => {
    const answer = await api(berth.url, `${host}/secrets/${usedSecretName}`, { method: 'DELETE', token: operator });
    expectProblem(answer, 409, 'SECRET_IN_USE');
    expect(answer.body.detail).toContain(serviceName);
  });

  it('creates a config, reads its data (operators; viewers get null), removes it', async () => {
    const name = uniqueName('config');
    const data = 'server { listen 80; }\n';
    const created = await api(berth.url, `${host}/configs`, { method: 'POST', token: operator, body: { name, value: data, labels } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const asOperator = await api(berth.url, `${host}/configs/${name}`, { token: operator });
    expect(asOperator.status).toBe(200);
    expect(asOperator.body).toMatchObject({ id, name, data, encoding: 'utf8', sizeBytes: data.length, labels });
    const asViewer = await api(berth.url, `${host}/configs/${id}`, { token: viewer });
    expect([asViewer.status, asViewer.body.data, asViewer.body.sizeBytes]).toEqual([200, null, data.length]);
    const list = await api(berth.url, `${host}/configs?name=${name}`, { token: viewer });
    expect(list.body.items).toEqual([expect.objectContaining({ id, name, data: null })]);
    const binary = await api(berth.url, `${host}/configs`, {
      method: 'POST',
      token: operator,
      body: { name: uniqueName('bin'), value: '/wD+', encoding: 'base64', labels },
    });
    expect(binary.status, binary.text).toBe(201);
    const binaryRead = await api(berth.url, `${host}/configs/${binary.body.id}`, { token: operator });
    expect(binaryRead.body).toMatchObject({ data: '/wD+', encoding: 'base64', sizeBytes: 3 });
    for (const ref of [id, binary.body.id])
      expect((await api(berth.url, `${host}/configs/${ref}`, { method: 'DELETE', token: operator })).status).toBe(204);
    expectProblem(await api(berth.url, `${host}/configs/${id}`, { token: operator }), 404, 'CONFIG_NOT_FOUND');
    expectProblem(
      await api(berth.url, `${host}/configs`, { method: 'POST', token: viewer, body: { name, value: data } }),
      403,
      'FORBIDDEN',
    );
  });

  describe('on a host in no swarm (local, the first engine)', () => {
    it('GET /swarm answers inactive; nodes, tasks, secrets and configs a clear 409 SWARM_NOT_ACTIVE', async () => {
      const swarm = await api(berth.url, `${local}/swarm`, { token: berth.token });
      expect(swarm.status, swarm.text).toBe(200);
      expect(swarm.body).toMatchObject({ state: 'inactive', manager: false });
      for (const path of ['nodes', 'nodes/anything', 'tasks', 'secrets', 'configs/anything']) {
        const answer = await api(berth.url, `${local}/${path}`, { token: berth.token });
        expectProblem(answer, 409, 'SWARM_NOT_ACTIVE');
        expect(answer.body.detail).toContain('not in a swarm');
      }
      expectProblem(
        await api(berth.url, `${local}/secrets`, { method: 'POST', token: berth.token, body: { name: uniqueName('none'), value: 'v' } }),
        409,
        'SWARM_NOT_ACTIVE',
      );
    });

    it('keeps the 100 KB body limit on every other route (the larger one is for secret and config values only)', async () => {
      const big = { name: uniqueName('vol'), labels: { [TEST_LABEL]: '1', filler: 'f'.repeat(200 * 1024) } };
      expectProblem(await api(berth.url, `${local}/volumes`, { method: 'POST', token: berth.token, body: big }), 413, 'PAYLOAD_TOO_LARGE');
      expectProblem(
        await api(berth.url, `${local}/nodes/x`, {
          method: 'PATCH',
          token: berth.token,
          body: { labels: { filler: 'f'.repeat(200 * 1024) } },
        }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });
  });
});
