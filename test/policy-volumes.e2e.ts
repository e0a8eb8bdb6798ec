import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/**
 * Issue 8, findings 1 and 2, run as the attacks: a named volume that is a bind mount of a host path, and a bind
 * source under an allowed root swapped for a symlink from inside another container between create and start.
 */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';
const allowedRoot = mkdtempSync(join(tmpdir(), 'berth-binds-'));
const outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
/** An allowed root that holds Berth's own data dir (a deployment mistake Berth still survives). */
const dataRoot = mkdtempSync(join(tmpdir(), 'berth-dataroot-'));
const bindVolume = uniqueName('bindvol');
const plainVolume = uniqueName('plainvol');
const berthVolume = uniqueName('berthdata');
const notYetVolume = uniqueName('newvol');

describe('volumes and bind sources under the create policy (issue 8, findings 1 and 2)', () => {
  let berth: BerthProcess;
  let operator: string;

  beforeAll(async () => {
    writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
    // docker volume create --opt type=none --opt o=bind --opt device=<outside>
    await docker.createVolume({
      Name: bindVolume,
      Driver: 'local',
      DriverOpts: { type: 'none', o: 'bind', device: outside },
      Labels: labels,
    });
    await docker.createVolume({ Name: plainVolume, Labels: labels });
    await docker.createVolume({ Name: berthVolume, Labels: labels });
    berth = await startBerth({
      dataDir: join(dataRoot, 'berth'),
      env: { BERTH_ALLOWED_BIND_ROOTS: `${allowedRoot},${dataRoot}`, BERTH_PROTECTED_VOLUMES: berthVolume },
    });
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    await Promise.all(
      [bindVolume, plainVolume, berthVolume, notYetVolume].map((name) =>
        docker
          .getVolume(name)
          .remove()
          .catch(() => undefined),
      ),
    );
    rmSync(allowedRoot, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    rmSync(dataRoot, { recursive: true, force: true });
  });

  const create = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sleep', '300'], ...body } });
  const exec = (id: string, script: string, token = operator) =>
    api(berth.url, `${base}/${id}/exec`, { method: 'POST', token, body: { cmd: ['sh', '-c', script] } });
  const running = async (id: string) => (await docker.getContainer(id).inspect()).State.Running;
  const nothingNamed = async (name: string) => expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);

  /** A running container A that binds the whole allowed root: from inside it the operator can plant symlinks there. */
  async function containerA(): Promise<string> {
    const a = await create(operator, { name: uniqueName('a'), binds: [`${allowedRoot}:/a`], start: true });
    expect(a.status, a.text).toBe(201);
    return a.body.id;
  }

  describe('finding 1: named volumes', () => {
    it.each<[string, (name: string) => Record<string, unknown>, string]>([
      ['binds', (name) => ({ binds: [`${name}:/a`] }), 'volume-driver-options'],
      ['mounts', (name) => ({ mounts: [{ type: 'volume', source: name, target: '/a' }] }), 'volume-driver-options'],
    ])('denies an operator a bind-driver volume through %s with 403 POLICY_DENIED, and creates nothing', async (_form, body, rule) => {
      const name = uniqueName('volattack');
      const response = await create(operator, { ...body(bindVolume), name, start: true });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual([rule]);
      await nothingNamed(name);
    });

    it("denies an operator Berth's own volume (BERTH_PROTECTED_VOLUMES), in both forms", async () => {
      for (const body of [{ binds: [`${berthVolume}:/data:ro`] }, { mounts: [{ type: 'volume', source: berthVolume, target: '/data' }] }]) {
        const name = uniqueName('berthvol');
        const response = await create(operator, { ...body, name });
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['berth-volume']);
        await nothingNamed(name);
      }
    });

    it("denies an operator a bind of Berth's data directory or a directory above it, under an allowed root", async () => {
      for (const source of [dataRoot, join(dataRoot, 'berth'), join(dataRoot, 'berth', 'jwt-secret')]) {
        const response = await create(operator, { binds: [`${source}:/d:ro`] });
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['berth-volume']);
      }
    });

    it('lets an operator mount a plain local volume, and one the engine creates on the way', async () => {
      const response = await create(operator, {
        binds: [`${plainVolume}:/p`],
        mounts: [{ type: 'volume', source: notYetVolume, target: '/n' }],
        start: true,
      });
      expect(response.status, response.text).toBe(201);
      const written = await exec(response.body.id, 'echo ok > /p/f && echo ok > /n/f && cat /p/f /n/f');
      expect(written.body.stdout).toBe('ok\nok\n');
      expect((await docker.getVolume(notYetVolume).inspect()).Options ?? {}).toEqual({});
    });

    it('lets an admin mount the bind-driver volume, audited as an exception', async () => {
      const response = await create(berth.token, { binds: [`${bindVolume}:/a:ro`], start: true });
      expect(response.status, response.text).toBe(201);
      expect((await exec(response.body.id, 'cat /a/secret.txt', berth.token)).body.stdout).toBe('host secret\n');
      // It is a policy exception now: an operator may not enter it (finding 5).
      expectProblem(await exec(response.body.id, 'cat /a/secret.txt'), 403, 'POLICY_DENIED');
      await auditEvents(berth, 'action=container.create.policy-exception', (items) =>
        items.some((item) => JSON.stringify(item).includes(response.body.id) && JSON.stringify(item).includes('volume-driver-options')),
      );
    });
  });

  describe('finding 2: a bind source swapped for a symlink', () => {
    it('denies a bind source that does not exist yet, and one that is a symlink planted from inside another container', async () => {
      const a = await containerA();
      const missing = await create(operator, { name: uniqueName('b'), binds: [`${allowedRoot}/esc:/x`] });
      expectProblem(missing, 403, 'POLICY_DENIED');
      expect(missing.body.rules).toEqual(['bind-source-missing']);

      expect((await exec(a, `ln -s ${outside} /a/esc && ls -l /a/esc`)).body.stdout).toContain(outside);
      for (const source of [`${allowedRoot}/esc`, `${allowedRoot}/esc/secret.txt`]) {
        const name = uniqueName('b');
        const swapped = await create(operator, { name, binds: [`${source}:/x`] });
        expectProblem(swapped, 403, 'POLICY_DENIED');
        expect(swapped.body.rules).toEqual(['bind-symlink']);
        await nothingNamed(name);
      }
      const viaMounts = await create(operator, { mounts: [{ type: 'bind', source: `${allowedRoot}/esc`, target: '/x' }] });
      expectProblem(viaMounts, 403, 'POLICY_DENIED');
      expect(viaMounts.body.rules).toEqual(['bind-symlink']);
    });

    it('re-checks at start and restart: a source swapped after create is 403 and the container does not start', async () => {
      const a = await containerA();
      mkdirSync(join(allowedRoot, 'esc2'));
      const b = await create(operator, { name: uniqueName('b'), binds: [`${allowedRoot}/esc2:/x`] });
      expect(b.status, b.text).toBe(201);

      await exec(a, `rmdir /a/esc2 && ln -s ${outside} /a/esc2`);
      for (const action of ['start', 'restart']) {
        const started = await api(berth.url, `${base}/${b.body.id}/${action}`, { method: 'POST', token: operator });
        expectProblem(started, 403, 'POLICY_DENIED');
        expect(started.body.rules).toEqual(['bind-symlink']);
        expect(await running(b.body.id)).toBe(false);
      }
    });

    it('stops and audits a container started outside Berth after the swap', async () => {
      const a = await containerA();
      mkdirSync(join(allowedRoot, 'esc3'));
      const b = await create(operator, { name: uniqueName('b'), binds: [`${allowedRoot}/esc3:/x`] });
      expect(b.status, b.text).toBe(201);
      await exec(a, `rmdir /a/esc3 && ln -s ${outside} /a/esc3`);

      // The engine follows the symlink: started behind Berth's back, B would read the host's file.
      await docker.getContainer(b.body.id).start();
      await auditEvents(berth, 'action=container.start.policy-violation', (items) =>
        items.some((item) => item.targets?.includes(b.body.id)),
      );
      await until(async () => !(await running(b.body.id)), 'the watcher to stop B', { timeoutMs: 10_000 });
      // A, whose bind is the root itself, is left running.
      expect(await running(a)).toBe(true);
    });
  });
});
