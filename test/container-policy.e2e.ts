import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

/** The create policy with real roles: an operator is denied each rule, an admin may and is audited. */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';
const allowedRoot = mkdtempSync(join(tmpdir(), 'berth-binds-'));

describe('the create policy with real roles', () => {
  let berth: BerthProcess;
  let operatorToken: string;

  beforeAll(async () => {
    writeFileSync(join(allowedRoot, 'hello.txt'), 'from the host\n');
    // /run and /var/run are allowed roots here so that the engine socket is denied by its own rule.
    berth = await startBerth({ env: { BERTH_ALLOWED_BIND_ROOTS: `${allowedRoot},/run,/var/run` } });
    operatorToken = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  const create = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sleep', '300'], ...body } });

  it.each<[string, Record<string, unknown>]>([
    ['privileged', { privileged: true }],
    ['host-pid', { pidMode: 'host' }],
    ['host-ipc', { ipcMode: 'host' }],
    ['host-network', { network: 'host' }],
    ['host-uts', { utsMode: 'host' }],
    ['devices', { devices: [{ pathOnHost: '/dev/fuse' }] }],
    ['cap-add', { capAdd: ['NET_ADMIN'] }],
    ['seccomp-unconfined', { securityOpt: ['seccomp=unconfined'] }],
    ['apparmor-unconfined', { securityOpt: ['apparmor=unconfined'] }],
    ['docker-socket', { binds: ['/var/run/docker.sock:/var/run/docker.sock'] }],
    ['docker-socket', { mounts: [{ type: 'bind', source: '/run/docker.sock', target: '/docker.sock' }] }],
    ['bind-outside-allowed-roots', { binds: ['/etc:/host-etc:ro'] }],
    ['bind-outside-allowed-roots', { mounts: [{ type: 'bind', source: '/etc', target: '/host-etc', readOnly: true }] }],
  ])('denies an operator %s (%j) with 403 POLICY_DENIED and creates nothing', async (rule, body) => {
    const name = uniqueName('denied');
    const response = await create(operatorToken, { ...body, name });
    expectProblem(response, 403, 'POLICY_DENIED');
    expect(response.body.rules).toEqual([rule]);
    expect(response.body.detail).toContain(rule);
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });

  it('denies an operator joining the namespaces of a privileged container, not of an ordinary one', async () => {
    // Created, not started: this sandbox cannot run a privileged container, and the policy only reads it.
    const privileged = await create(berth.token, { name: uniqueName('priv'), privileged: true });
    expect(privileged.status, privileged.text).toBe(201);
    const ordinary = await create(operatorToken, { name: uniqueName('plain'), start: true });
    expect(ordinary.status, ordinary.text).toBe(201);

    const denied = await create(operatorToken, { name: uniqueName('joiner'), pidMode: `container:${privileged.body.name}` });
    expectProblem(denied, 403, 'POLICY_DENIED');
    expect(denied.body.rules).toEqual(['joins-privileged-container']);
    const allowed = await create(operatorToken, { name: uniqueName('joiner'), network: `container:${ordinary.body.name}`, start: true });
    expect(allowed.status, allowed.text).toBe(201);
  });

  it('lets an operator bind a directory under an allowed root', async () => {
    const response = await create(operatorToken, { binds: [`${allowedRoot}:/data:ro`], start: true });
    expect(response.status, response.text).toBe(201);
    const cat = await api(berth.url, `${base}/${response.body.id}/exec`, {
      method: 'POST',
      token: operatorToken,
      body: { cmd: ['cat', '/data/hello.txt'] },
    });
    expect(cat.body.stdout).toBe('from the host\n');
  });

  it('lets an admin create what the policy denies, and audits the exception', async () => {
    const name = uniqueName('exception');
    const response = await create(berth.token, { name, privileged: true, capAdd: ['SYS_ADMIN'], binds: ['/etc:/host-etc:ro'] });
    expect(response.status, response.text).toBe(201);
    const inspect = await docker.getContainer(response.body.id).inspect();
    expect(inspect.HostConfig.Privileged).toBe(true);

    const items = await auditEvents(berth, 'action=container.create.policy-exception', (found) =>
      found.some((item) => JSON.stringify(item).includes(response.body.id)),
    );
    const record = items.find((item) => JSON.stringify(item).includes(response.body.id));
    expect(JSON.stringify(record)).toContain('bind-outside-allowed-roots');
    expect(JSON.stringify(record)).toContain('privileged');
  });
});
