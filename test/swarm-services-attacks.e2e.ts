import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, createUser, credentialFor, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, newRunId, removeTestResources, removeTestServices, testLabels, tlsTestEngine } from './support/engine.js';
import { addTlsTestEngine } from './support/hosts.js';
import { api, expectProblem } from './support/http.js';

// An operator's ways to root on the Swarm manager through the orchestrator, tried against the real second engine.
// Services have 0 replicas: the specs are what is judged, and no task needs to run.
const engine = tlsTestEngine();
const runId = newRunId();
const swarmHostId = `swarm-atk-${runId}`;
const services = `/api/v1/hosts/${swarmHostId}/services`;
const labels = testLabels(runId);
const BIND_ETC = [{ type: 'bind', source: '/etc', target: '/host-etc' }];

describe('Swarm services: an operator’s attacks through specs an admin wrote, volumes and networks', () => {
  let berth: BerthProcess;
  let operator: string;
  const name = (what: string) => `atk-${what}-${runId}`.slice(0, 60).replace(/[^a-zA-Z0-9-]/g, '-');
  const create = (token: string, what: string, extra: object = {}) =>
    api(berth.url, services, {
      method: 'POST',
      token,
      body: { name: name(what), image: TEST_IMAGE, cmd: ['true'], replicas: 0, labels, containerLabels: labels, ...extra },
    });
  const update = (token: string, id: string, body: object) =>
    api(berth.url, `${services}/${id}?wait=true`, { method: 'PATCH', token, body });
  const versionOf = async (id: string) => (await engine.docker.getService(id).inspect()).Version.Index as number;
  const serviceNames = async () => (await engine.docker.listServices()).map((s) => s.Spec?.Name);

  beforeAll(async () => {
    const state = (await engine.docker.info()) as { Swarm?: { LocalNodeState?: string } };
    if (state.Swarm?.LocalNodeState !== 'active')
      await engine.docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.231.0.2' });
    berth = await startBerth({ env: { BERTH_ALLOWED_BIND_ROOTS: '/srv/berth-allowed' } });
    await addTlsTestEngine(berth, swarmHostId, { name: 'Swarm manager' });
    operator = await credentialFor(berth, 'operator');
  }, 180_000);

  afterAll(async () => {
    await berth?.stop();
    await removeTestServices(runId, engine.docker);
    await removeTestResources(runId, engine.docker);
  }, 120_000);

  it('an admin’s service with a bind (an audited exception): the operator can neither update, scale nor re-image it (403, version unchanged)', async () => {
    const created = await create(berth.token, 'adm', { mounts: BIND_ETC });
    expect(created.status, created.text).toBe(201);
    const before = await versionOf(created.body.id);
    for (const body of [{ image: TEST_IMAGE }, { env: ['A=1'] }, { replicas: 1 }]) {
      const denied = await update(operator, created.body.id, body);
      expectProblem(denied, 403, 'POLICY_DENIED');
      expect(denied.body.rules).toContain('bind-outside-allowed-roots');
    }
    expectProblem(
      await api(berth.url, `${services}/${created.body.id}/scale`, { method: 'POST', token: operator, body: { replicas: 2 } }),
      403,
      'POLICY_DENIED',
    );
    expect(await versionOf(created.body.id)).toBe(before);
  });

  it('a rollback by an operator to a previous spec an admin gave a bind is 403, the service as it is', async () => {
    const created = await create(operator, 'roll');
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const withBind = await update(berth.token, id, { mounts: BIND_ETC });
    expect([withBind.status, withBind.body.status], withBind.text).toEqual([200, 'succeeded']);
    const without = await update(berth.token, id, { mounts: [] });
    expect([without.status, without.body.status], without.text).toEqual([200, 'succeeded']);
    const before = await versionOf(id);
    const denied = await api(berth.url, `${services}/${id}/rollback?wait=true`, { method: 'POST', token: operator });
    expectProblem(denied, 403, 'POLICY_DENIED');
    expect(await versionOf(id)).toBe(before);
    expect((await engine.docker.getService(id).inspect()).Spec.TaskTemplate.ContainerSpec.Mounts ?? []).toEqual([]);
  });

  it('a named volume that is a bind in disguise (local driver, o=bind, device=/) is refused to an operator', async () => {
    const volume = `atk-root-${runId}`;
    await engine.docker.createVolume({
      Name: volume,
      Driver: 'local',
      DriverOpts: { type: 'none', o: 'bind', device: '/' },
      Labels: labels,
    });
    const denied = await create(operator, 'vol', { mounts: [{ type: 'volume', source: volume, target: '/host' }] });
    expectProblem(denied, 403, 'POLICY_DENIED');
    expect(denied.body.rules).toContain('volume-driver-options');
    expect(await serviceNames()).not.toContain(name('vol'));
  });

  it('the host network by its id is refused as by its name', async () => {
    const [host] = await engine.docker.listNetworks({ filters: { driver: ['host'] } });
    expect(host).toBeDefined();
    for (const ref of [host.Id, host.Id.slice(0, 12)]) {
      const denied = await create(operator, 'hostnet', { networks: [ref] });
      expectProblem(denied, 403, 'POLICY_DENIED');
      expect(denied.body.rules).toContain('host-network');
    }
    expect(await serviceNames()).not.toContain(name('hostnet'));
  });

  it('per-host roles on the Swarm routes: operator there by grant creates; a global operator who is viewer there gets 403', async () => {
    const grant = async (role: 'viewer' | 'operator', hostRole: 'viewer' | 'operator') => {
      const user = await createUser(berth, role);
      const set = await api(berth.url, `/api/v1/users/${user.id}/host-roles`, {
        method: 'PUT',
        token: berth.token,
        body: { grants: [{ host: swarmHostId, role: hostRole }] },
      });
      expect(set.status, set.text).toBe(200);
      return login(berth.url, user);
    };
    const up = await grant('viewer', 'operator');
    const made = await create(up, 'granted');
    expect(made.status, made.text).toBe(201);
    const down = await grant('operator', 'viewer');
    expectProblem(await create(down, 'lowered'), 403, 'FORBIDDEN');
    expectProblem(await update(down, made.body.id, { replicas: 1 }), 403, 'FORBIDDEN');
    expectProblem(await api(berth.url, `${services}/${made.body.id}`, { method: 'DELETE', token: down }), 403, 'FORBIDDEN');
    expectProblem(
      await api(berth.url, `/api/v1/hosts/${swarmHostId}/secrets`, {
        method: 'POST',
        token: down,
        body: { name: name('s'), data: 'eA==' },
      }),
      403,
      'FORBIDDEN',
    );
    expect(await serviceNames()).not.toContain(name('lowered'));
  });
});
