import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

/** Issue 12, item 5 (volumes) and item 6 (disk usage), on the real engine. */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/volumes';
const protectedVolume = uniqueName('protected');
const outside = mkdtempSync(join(tmpdir(), 'berth-volhost-'));

describe('volumes (issue 12)', () => {
  let berth: BerthProcess;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
    await docker.createVolume({ Name: protectedVolume, Labels: labels });
    berth = await startBerth({ env: { BERTH_PROTECTED_VOLUMES: protectedVolume } });
    [operator, viewer] = await Promise.all([credentialFor(berth, 'operator'), credentialFor(berth, 'viewer')]);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    await docker
      .getVolume(protectedVolume)
      .remove()
      .catch(() => undefined);
    rmSync(outside, { recursive: true, force: true });
  });

  const createVolume = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { labels, ...body } });
  const exists = (name: string) =>
    docker
      .getVolume(name)
      .inspect()
      .then(
        () => true,
        () => false,
      );

  it('creates, lists with users and sizes, inspects, refuses removal in use naming the container, then removes it free', async () => {
    const name = uniqueName('vol');
    const created = await createVolume(operator, { name });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name, driver: 'local', labels, usedBy: [] });
    expect((await docker.getVolume(name).inspect()).Labels).toEqual(labels);

    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', 'head -c 20000 /dev/zero > /data/f; sleep 300'],
      Labels: labels,
      HostConfig: { Binds: [`${name}:/data`] },
    });
    await container.start();
    const containerName = (await container.inspect()).Name.replace(/^\//, '');

    const listed = await api(berth.url, `${base}?label=berth.test.run=${runId}&name=${name}`, { token: viewer });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.total).toBe(1);
    expect(listed.body.items[0]).toMatchObject({ name, usedBy: [{ id: container.id, name: containerName, state: 'running' }] });
    expect(listed.body.items[0].sizeBytes === null || typeof listed.body.items[0].sizeBytes === 'number').toBe(true);

    const dangling = await api(berth.url, `${base}?dangling=true&label=berth.test.run=${runId}`, { token: viewer });
    expect(dangling.body.items.map((v: { name: string }) => v.name)).not.toContain(name);

    const inspected = await api(berth.url, `${base}/${name}`, { token: viewer });
    expect(inspected.status).toBe(200);
    expect(inspected.body.usedBy).toEqual([{ id: container.id, name: containerName, state: 'running' }]);

    for (const force of ['', '?force=true']) {
      const inUse = await api(berth.url, `${base}/${name}${force}`, { method: 'DELETE', token: operator });
      expectProblem(inUse, 409, 'VOLUME_IN_USE');
      expect(inUse.body.detail).toContain(containerName);
      expect(inUse.body.containers).toEqual([{ id: container.id, name: containerName, state: 'running' }]);
      expect(await exists(name)).toBe(true);
    }

    await container.remove({ force: true });
    expectProblem(await api(berth.url, `${base}/${name}`, { method: 'DELETE', token: viewer }), 403, 'FORBIDDEN');
    const removed = await api(berth.url, `${base}/${name}`, { method: 'DELETE', token: operator });
    expect(removed.status, removed.text).toBe(204);
    expect(await exists(name)).toBe(false);
    expectProblem(await api(berth.url, `${base}/${name}`, { token: viewer }), 404, 'VOLUME_NOT_FOUND');
  });

  it('refuses an operator a local-driver bind of / (driverOpts) with 403 POLICY_DENIED, and the engine has no such volume', async () => {
    const name = uniqueName('rootbind');
    const response = await createVolume(operator, { name, driverOpts: { type: 'none', o: 'bind', device: '/' } });
    expectProblem(response, 403, 'POLICY_DENIED');
    expect(response.body.rules).toEqual(['volume-driver-options']);
    expect(await exists(name)).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['any driver option, even a harmless-looking one', { driverOpts: { size: '10m' } }, 'volume-driver-options'],
    ['a driver outside BERTH_ALLOWED_VOLUME_DRIVERS', { driver: 'vieux/sshfs' }, 'volume-driver'],
  ])('refuses an operator %s', async (_what, body, rule) => {
    const name = uniqueName('voldeny');
    const response = await createVolume(operator, { name, ...body });
    expectProblem(response, 403, 'POLICY_DENIED');
    expect(response.body.rules).toEqual([rule]);
    expect(await exists(name)).toBe(false);
  });

  it('lets an admin create the bind volume, audited as a policy exception, with its options redacted for viewers', async () => {
    const name = uniqueName('adminbind');
    const response = await createVolume(berth.token, { name, driverOpts: { type: 'none', o: 'bind', device: outside } });
    expect(response.status, response.text).toBe(201);
    expect((await docker.getVolume(name).inspect()).Options).toEqual({ type: 'none', o: 'bind', device: outside });
    await auditEvents(berth, 'action=volume.create.policy-exception', (items) =>
      items.some((item) => item.targets.includes(name) && item.details.rules.includes('volume-driver-options')),
    );
    const seen = await api(berth.url, `${base}/${name}`, { token: viewer });
    expect(seen.body.options).toEqual({ type: '<redacted>', o: '<redacted>', device: '<redacted>' });
    expect((await api(berth.url, `${base}/${name}`, { token: operator })).body.options.device).toBe(outside);
  });

  it('refuses an operator the removal of a protected volume (BERTH_PROTECTED_VOLUMES); an admin may', async () => {
    const denied = await api(berth.url, `${base}/${protectedVolume}`, { method: 'DELETE', token: operator });
    expectProblem(denied, 403, 'POLICY_DENIED');
    expect(denied.body.rules).toEqual(['berth-volume']);
    expect(await exists(protectedVolume)).toBe(true);
    expect((await api(berth.url, `${base}/${protectedVolume}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    expect(await exists(protectedVolume)).toBe(false);
  });

  it('refuses a viewer a create (403 FORBIDDEN), and nothing is created', async () => {
    const name = uniqueName('viewervol');
    expectProblem(await createVolume(viewer, { name }), 403, 'FORBIDDEN');
    expect(await exists(name)).toBe(false);
  });

  it.each<[string, () => Promise<import('./support/http.js').ApiResponse>, string]>([
    ['a bad name in the body', () => createVolume(operator, { name: '-bad' }), 'name'],
    ['a one-character name', () => createVolume(operator, { name: 'a' }), 'name'],
    ['a bad name in the path', () => api(berth.url, `${base}/..%2Fetc`, { token: operator }), 'name'],
    ['labels that are not strings', () => createVolume(operator, { labels: { a: 1 } }), 'labels'],
    ['an unknown field', () => createVolume(operator, { mountpoint: '/etc' }), 'mountpoint'],
    ['a bad dangling filter', () => api(berth.url, `${base}?dangling=maybe`, { token: viewer }), 'dangling'],
    ['a bad force', () => api(berth.url, `${base}/x1?force=yes`, { method: 'DELETE', token: operator }), 'force'],
  ])('answers 400 naming the field for %s', async (_what, call, field) => {
    const response = await call();
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers disk usage per kind with the largest items, bounded by top', async () => {
    const usage = await api(berth.url, '/api/v1/hosts/local/disk-usage?top=2', { token: viewer });
    expect(usage.status, usage.text).toBe(200);
    for (const kind of ['images', 'containers', 'volumes', 'buildCache']) {
      const entry = usage.body[kind];
      expect(entry).toMatchObject({ count: expect.any(Number), active: expect.any(Number), sizeBytes: expect.any(Number) });
      expect(entry.reclaimableBytes).toBeLessThanOrEqual(entry.sizeBytes);
      expect(entry.largest.length).toBeLessThanOrEqual(2);
      const sizes = entry.largest.map((item: { sizeBytes: number }) => item.sizeBytes);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    }
    expect(usage.body.images.largest[0]).toMatchObject({ id: expect.stringMatching(/^sha256:/), name: expect.any(String) });
    const none = await api(berth.url, '/api/v1/hosts/local/disk-usage?top=0', { token: viewer });
    expect(none.body.images.largest).toEqual([]);
    for (const top of ['101', '-1', 'ten']) {
      const bad = await api(berth.url, `/api/v1/hosts/local/disk-usage?top=${top}`, { token: viewer });
      expectProblem(bad, 400, 'VALIDATION_FAILED');
      expect(bad.body.errors[0].field).toBe('top');
    }
  });
});
