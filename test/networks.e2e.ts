import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { ApiResponse, api, expectProblem } from './support/http.js';

/** Issue 12, item 5 (networks) and container create with `networks`, on the real engine; the non-admin attacks among them. */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/networks';
const containers = '/api/v1/hosts/local/containers';

describe('networks (issue 12)', () => {
  let berth: BerthProcess;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    berth = await startBerth();
    [operator, viewer] = await Promise.all([credentialFor(berth, 'operator'), credentialFor(berth, 'viewer')]);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  const createNetwork = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { labels, ...body } });
  const runContainer = async (token: string, body: Record<string, unknown>) => {
    const response = await api(berth.url, containers, {
      method: 'POST',
      token,
      body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sleep', '300'], start: true, ...body },
    });
    expect(response.status, response.text).toBe(201);
    return response.body as { id: string; name: string };
  };
  /** Whether `name` resolves and answers from inside `container` (busybox ping via the engine's embedded DNS). */
  const reaches = async (container: string, name: string) => {
    const response = await api(berth.url, `${containers}/${container}/exec`, {
      method: 'POST',
      token: operator,
      body: { cmd: ['ping', '-c1', '-W2', name], timeoutMs: 10_000 },
    });
    expect(response.status, response.text).toBe(200);
    return response.body.exitCode === 0;
  };
  const networksNamed = async (name: string) => (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);

  it('creates, lists, inspects with connected containers, connects with an alias that resolves, disconnects and removes', async () => {
    const name = uniqueName('net');
    const created = await createNetwork(operator, { name, internal: false, attachable: true });
    expect(created.status, created.text).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await docker.getNetwork(created.body.id).inspect()).Labels).toEqual(labels);

    const listed = await api(berth.url, `${base}?label=berth.test.run=${runId}&driver=bridge`, { token: viewer });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.find((n: { id: string }) => n.id === created.body.id)).toMatchObject({
      name,
      driver: 'bridge',
      predefined: false,
      containers: [],
    });

    const unused = await api(berth.url, `${base}?dangling=true&type=custom&name=${name}`, { token: viewer });
    expect(unused.body.items.map((n: { id: string }) => n.id)).toEqual([created.body.id]);

    const client = await runContainer(operator, { network: name });
    const used = await api(berth.url, `${base}?dangling=true&name=${name}`, { token: viewer });
    expect(used.body).toEqual({ items: [], nextCursor: null, total: 0 });
    const server = await runContainer(operator, {});
    expectProblem(
      await api(berth.url, `${base}/${name}/connect`, { method: 'POST', token: viewer, body: { container: server.id } }),
      403,
      'FORBIDDEN',
    );
    const connected = await api(berth.url, `${base}/${name}/connect`, {
      method: 'POST',
      token: operator,
      body: { container: server.name, aliases: ['berth-db'] },
    });
    expect(connected.status, connected.text).toBe(204);
    expect(await reaches(client.id, 'berth-db')).toBe(true);

    const inspected = await api(berth.url, `${base}/${created.body.id.slice(0, 12)}`, { token: viewer });
    expect(inspected.status).toBe(200);
    expect(inspected.body.containers.map((c: { id: string }) => c.id).sort()).toEqual([client.id, server.id].sort());
    expect(inspected.body.containers[0].ipv4Address).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(
      (await api(berth.url, `${base}/${name}/connect`, { method: 'POST', token: operator, body: { container: server.id } })).status,
    ).toBe(409);

    const inUse = await api(berth.url, `${base}/${name}`, { method: 'DELETE', token: operator });
    expectProblem(inUse, 409, 'NETWORK_IN_USE');
    expect(inUse.body.detail).toContain(server.name);
    expect(inUse.body.containers.map((c: { id: string }) => c.id).sort()).toEqual([client.id, server.id].sort());
    expect(await networksNamed(name)).toHaveLength(1);

    const disconnected = await api(berth.url, `${base}/${name}/disconnect`, {
      method: 'POST',
      token: operator,
      body: { container: server.id },
    });
    expect(disconnected.status, disconnected.text).toBe(204);
    expect(await reaches(client.id, 'berth-db')).toBe(false);
    // Already disconnected: the state asked for.
    expect(
      (await api(berth.url, `${base}/${name}/disconnect`, { method: 'POST', token: operator, body: { container: server.id } })).status,
    ).toBe(204);

    await docker.getContainer(client.id).remove({ force: true });
    const removed = await api(berth.url, `${base}/${name}`, { method: 'DELETE', token: operator });
    expect(removed.status, removed.text).toBe(204);
    expect(await networksNamed(name)).toEqual([]);
    expectProblem(await api(berth.url, `${base}/${name}`, { token: viewer }), 404, 'NETWORK_NOT_FOUND');
  });

  it('answers 409 NAME_CONFLICT for a name in use, and the engine still has one network of that name', async () => {
    const name = uniqueName('dup');
    expect((await createNetwork(operator, { name })).status).toBe(201);
    expectProblem(await createNetwork(operator, { name }), 409, 'NAME_CONFLICT');
    expect(await networksNamed(name)).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['macvlan on a host interface', { driver: 'macvlan', options: { parent: 'eth0' } }, ['network-driver', 'network-driver-options']],
    ['ipvlan', { driver: 'ipvlan' }, ['network-driver']],
    ['the host driver', { driver: 'host' }, ['network-driver']],
    [
      'a bridge taking over the host bridge docker0',
      { options: { 'com.docker.network.bridge.name': 'docker0' } },
      ['network-driver-options'],
    ],
    ['a subnet that would shadow a host route', { ipam: { subnets: [{ subnet: '10.0.0.0/30' }] } }, ['network-ipam']],
  ])('refuses an operator %s with 403 POLICY_DENIED, and creates nothing', async (_attack, body, rules) => {
    const name = uniqueName('netattack');
    const response = await createNetwork(operator, { name, ...body });
    expectProblem(response, 403, 'POLICY_DENIED');
    expect(response.body.rules).toEqual(rules);
    expect(await networksNamed(name)).toEqual([]);
  });

  it('lets an admin create a network with a subnet and gateway', async () => {
    const name = uniqueName('adminnet');
    const response = await createNetwork(berth.token, { name, ipam: { subnets: [{ subnet: '10.231.77.0/24', gateway: '10.231.77.1' }] } });
    expect(response.status, response.text).toBe(201);
    expect((await docker.getNetwork(response.body.id).inspect()).IPAM?.Config).toEqual([
      { Subnet: '10.231.77.0/24', Gateway: '10.231.77.1' },
    ]);
  });

  it("refuses an operator to connect a container to the host network, or to connect an admin's policy-exception container", async () => {
    const plain = await runContainer(operator, {});
    const hostNetwork = await docker.getNetwork('host').inspect();
    for (const ref of ['host', hostNetwork.Id.slice(0, 12)]) {
      const response = await api(berth.url, `${base}/${ref}/connect`, { method: 'POST', token: operator, body: { container: plain.id } });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual(['host-network']);
    }

    const name = uniqueName('net');
    expect((await createNetwork(operator, { name })).status).toBe(201);
    // Created, not started: a privileged start needs more than this test engine allows; the policy reads the configuration.
    const privileged = await runContainer(berth.token, { privileged: true, start: false });
    for (const action of ['connect', 'disconnect']) {
      const response = await api(berth.url, `${base}/${name}/${action}`, {
        method: 'POST',
        token: operator,
        body: { container: privileged.id },
      });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toContain('privileged');
    }
    expect(Object.keys((await docker.getContainer(privileged.id).inspect()).NetworkSettings.Networks)).not.toContain(name);
  });

  it('refuses to remove a predefined network (403 PREDEFINED_NETWORK), even for an admin', async () => {
    for (const name of ['bridge', 'host', 'none']) {
      expectProblem(await api(berth.url, `${base}/${name}`, { method: 'DELETE', token: berth.token }), 403, 'PREDEFINED_NETWORK');
    }
    expect(await networksNamed('bridge')).toHaveLength(1);
  });

  it('creates a container on user networks with aliases (networks), pinned by full id, each alias resolving', async () => {
    const [front, back] = [uniqueName('front'), uniqueName('back')];
    const frontId = (await createNetwork(operator, { name: front })).body.id;
    const backId = (await createNetwork(operator, { name: back })).body.id;
    const app = await runContainer(operator, {
      networks: [
        { name: front, aliases: ['berth-web'] },
        { name: back, aliases: ['berth-api'] },
      ],
    });
    const inspect = await docker.getContainer(app.id).inspect();
    expect(inspect.HostConfig.NetworkMode).toBe(frontId);
    expect(Object.keys(inspect.NetworkSettings.Networks).sort()).toEqual([back, front].sort());
    expect(inspect.NetworkSettings.Networks[back].Aliases).toContain('berth-api');

    const onFront = await runContainer(operator, { network: front });
    const onBack = await runContainer(operator, { networks: [{ name: backId.slice(0, 12) }] });
    expect(await reaches(onFront.id, 'berth-web')).toBe(true);
    expect(await reaches(onBack.id, 'berth-api')).toBe(true);
    expect(await reaches(onBack.id, 'berth-web')).toBe(false);
  });

  it('refuses an operator a container on the host network named by id prefix in networks', async () => {
    const hostNetwork = await docker.getNetwork('host').inspect();
    const name = uniqueName('hostnet');
    const response = await api(berth.url, containers, {
      method: 'POST',
      token: operator,
      body: { image: TEST_IMAGE, pull: 'never', labels, name, networks: [{ name: hostNetwork.Id.slice(0, 12) }] },
    });
    expectProblem(response, 403, 'POLICY_DENIED');
    expect(response.body.rules).toEqual(['host-network']);
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });

  it.each<[string, () => Promise<ApiResponse>, string]>([
    [
      'a bad CIDR',
      () => createNetwork(berth.token, { name: uniqueName('n'), ipam: { subnets: [{ subnet: '10.0.0.0/33' }] } }),
      'ipam.subnets[0].subnet',
    ],
    [
      'a gateway outside the subnet',
      () => createNetwork(berth.token, { name: uniqueName('n'), ipam: { subnets: [{ subnet: '10.9.0.0/24', gateway: '10.8.0.1' }] } }),
      'ipam.subnets[0].gateway',
    ],
    ['a bad name', () => createNetwork(operator, { name: '-x' }), 'name'],
    ['ipam as an array', () => createNetwork(berth.token, { name: uniqueName('n'), ipam: [] }), 'ipam'],
    ['ipam without subnets', () => createNetwork(berth.token, { name: uniqueName('n'), ipam: {} }), 'ipam.subnets'],
    [
      'a bad alias',
      () => api(berth.url, `${base}/bridge/connect`, { method: 'POST', token: operator, body: { container: 'x1', aliases: ['a b'] } }),
      'aliases',
    ],
    ['a bad network ref in the path', () => api(berth.url, `${base}/a%20b`, { token: viewer }), 'id'],
    ['a bad type filter', () => api(berth.url, `${base}?type=mine`, { token: viewer }), 'type'],
    [
      'network and networks together',
      () =>
        api(berth.url, containers, {
          method: 'POST',
          token: operator,
          body: { image: TEST_IMAGE, network: 'bridge', networks: [{ name: 'x1' }] },
        }),
      'networks',
    ],
    [
      'a mode in networks',
      () => api(berth.url, containers, { method: 'POST', token: operator, body: { image: TEST_IMAGE, networks: [{ name: 'host' }] } }),
      'networks[0].name',
    ],
  ])('answers 400 naming the field for %s', async (_what, call, field) => {
    const response = await call();
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
