import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import {
  TEST_IMAGE,
  docker,
  newRunId,
  openRegistryAddress,
  registryCredentials,
  removeTestResources,
  testLabels,
} from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

const runId = newRunId();
const labels = testLabels(runId);
const host = '/api/v1/hosts/local';

/** The docker CLI, for test setup only (build, tag, push): what Berth is checked against, not Berth. */
function dockerCli(args: string[], input?: string): string {
  return execFileSync('docker', args, {
    input,
    encoding: 'utf8',
    // Its warnings (legacy builder, credentials in the temporary config) are noise here; a failure throws with them.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A small image FROM the test image, labelled for cleanup, its content told apart by `version`; answers its id. */
function buildImage(tag: string, version: string): string {
  const labelArgs = Object.entries({ ...labels, 'berth.test.version': version }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  dockerCli(['build', '-q', '-t', tag, ...labelArgs, '-'], `FROM ${TEST_IMAGE}\nRUN echo ${runId}-${version} > /version\n`);
  return dockerCli(['image', 'inspect', '--format', '{{.Id}}', tag]).trim();
}

async function repoDigest(imageId: string, repository: string): Promise<string> {
  const { RepoDigests } = await docker.getImage(imageId).inspect();
  const entry = RepoDigests.find((d) => d.startsWith(`${repository}@`));
  if (!entry) throw new Error(`${imageId} has no digest for ${repository}: ${JSON.stringify(RepoDigests)}`);
  return entry.slice(entry.indexOf('@') + 1);
}

describe('update checks against a real registry', () => {
  let berth: BerthProcess;
  let viewer: string;
  let operator: string;
  let address: string;
  let repository: string;
  let ref: string;
  let v1: string;
  let v2: string;
  let v1Digest: string;
  let v2Digest: string;
  let oldContainer: string;

  const get = (path: string, token = viewer) => api(berth.url, `${host}${path}`, { token });
  const containerStatus = (id: string, query = '') => get(`/containers/${id}/image-status${query}`);
  /**
   * `?refresh=true` until the answer matches: a refresh is given the answer kept while it is younger than a few
   * seconds (REFRESH_MIN_AGE_MS), so a registry change just made shows once that answer has aged.
   */
  const refreshedStatus = (id: string, expected: Record<string, unknown>) =>
    until(
      async () => {
        const answer = await containerStatus(id, '?refresh=true');
        return Object.entries(expected).every(([key, value]) => JSON.stringify(answer.body[key]) === JSON.stringify(value)) && answer;
      },
      `the refreshed status of ${id}: ${JSON.stringify(expected)}`,
    );
  const imageStatus = (image: string, query = '') => get(`/images/${encodeURIComponent(image)}/status${query}`);
  const run = async (image: string, pull?: 'always') => {
    const created = await api(berth.url, `${host}/containers`, {
      method: 'POST',
      token: operator,
      body: { image, labels, start: true, cmd: ['sleep', '600'], ...(pull && { pull }) },
    });
    expect(created.status, created.text).toBe(201);
    return created.body.id as string;
  };

  beforeAll(async () => {
    berth = await startBerth();
    [viewer, operator] = await Promise.all([credentialFor(berth, 'viewer'), credentialFor(berth, 'operator')]);
    address = openRegistryAddress();
    repository = `${address}/berth-test/update-${runId}`;
    ref = `${repository}:1.0`;
    v1 = buildImage(ref, '1');
    dockerCli(['push', ref]);
    v1Digest = await repoDigest(v1, repository);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('a container on the image the tag names is up-to-date (viewers may ask)', async () => {
    oldContainer = await run(ref);
    const status = await containerStatus(oldContainer);
    expect(status.status, status.text).toBe(200);
    expect(status.body).toMatchObject({
      state: 'up-to-date',
      reason: 'same-digest',
      containerId: oldContainer,
      reference: ref,
      imageId: v1,
      localDigests: [v1Digest],
      remoteDigest: v1Digest,
      registry: address,
      platform: expect.stringMatching(/^linux\//),
    });
    expect(status.body).not.toHaveProperty('registryId');
    expect(new Date(status.body.checkedAt).toISOString()).toBe(status.body.checkedAt);
    expect((await imageStatus(ref)).body).toMatchObject({ state: 'up-to-date', imageId: v1, remoteDigest: v1Digest });
  });

  it('after a changed image is pushed under the same tag: outdated (once the kept answer is refreshed)', async () => {
    const before = (await containerStatus(oldContainer)).body;
    v2 = buildImage(ref, '2');
    dockerCli(['push', ref]);
    v2Digest = await repoDigest(v2, repository);
    expect(v2Digest).not.toBe(v1Digest);
    // The host keeps v1 under the tag, as a host that did not pull yet.
    dockerCli(['tag', v1, ref]);

    // The registry's answer is kept BERTH_IMAGE_STATUS_TTL_SECONDS (300 s): the same answer, same time.
    expect((await containerStatus(oldContainer)).body).toMatchObject({ state: 'up-to-date', checkedAt: before.checkedAt });

    const refreshed = await refreshedStatus(oldContainer, { state: 'outdated' });
    expect(refreshed.body).toMatchObject({
      state: 'outdated',
      reason: 'digest-changed',
      imageId: v1,
      localDigests: [v1Digest],
      remoteDigest: v2Digest,
    });
    expect(Date.parse(refreshed.body.checkedAt)).toBeGreaterThan(Date.parse(before.checkedAt));
    expect((await imageStatus(ref)).body).toMatchObject({ state: 'outdated', imageId: v1, remoteDigest: v2Digest });
  });

  it('after a pull, a new container is up-to-date while the old one, still on the old image, stays outdated', async () => {
    const newContainer = await run(ref, 'always');
    expect((await containerStatus(newContainer)).body).toMatchObject({ state: 'up-to-date', imageId: v2, remoteDigest: v2Digest });
    expect((await containerStatus(oldContainer)).body).toMatchObject({ state: 'outdated', imageId: v1 });
    expect((await imageStatus(ref)).body).toMatchObject({ state: 'up-to-date', imageId: v2 });

    const list = await get('/image-status');
    expect(list.status, list.text).toBe(200);
    const mine = list.body.items.filter((item: { containerId: string }) => [oldContainer, newContainer].includes(item.containerId));
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ containerId: oldContainer, state: 'outdated', reference: ref }),
        expect.objectContaining({ containerId: newContainer, state: 'up-to-date', reference: ref }),
      ]),
    );
    expect(mine).toHaveLength(2);
    expect(list.body.counts.outdated).toBeGreaterThanOrEqual(1);
    const total = Object.values(list.body.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(list.body.items.length);
  });

  it('skips an image built here (no digest from any registry) and a reference pinned by digest', async () => {
    const local = `berth-test/update-local-${runId}:1`;
    const localId = buildImage(local, 'local');
    expect((await imageStatus(local)).body).toMatchObject({
      state: 'skipped',
      reason: 'locally-built',
      imageId: localId,
      localDigests: [],
    });
    // A registry name tagged here, never pushed: no digest from that repository either.
    dockerCli(['tag', localId, `${address}/berth-test/update-never-pushed-${runId}:1`]);
    expect((await imageStatus(`${address}/berth-test/update-never-pushed-${runId}:1`)).body).toMatchObject({
      state: 'skipped',
      reason: 'locally-built',
    });

    const pinned = `${repository}@${v2Digest}`;
    const container = await run(pinned);
    expect((await containerStatus(container)).body).toMatchObject({ state: 'skipped', reason: 'pinned-by-digest', reference: pinned });
    expect((await imageStatus(v1)).body).toMatchObject({ state: 'skipped', reason: 'image-id' });
  });

  it('answers 404 for what is not on the host and 400 for a reference the grammar refuses', async () => {
    expectProblem(await containerStatus('berth-test-no-such-container'), 404, 'CONTAINER_NOT_FOUND');
    expectProblem(await imageStatus(`berth-test/no-such-image-${runId}:1`), 404, 'IMAGE_NOT_FOUND');
    expectProblem(await imageStatus('Bad:ref'), 400, 'VALIDATION_FAILED');
    expectProblem(await get('/image-status?refresh=maybe'), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, '/api/v1/hosts/nowhere/image-status', { token: viewer }), 404, 'HOST_NOT_FOUND');
  });

  describe('a multi-platform tag (an index pushed to the registry by hand)', () => {
    const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
    const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
    let multiRepository: string;
    let multiPath: string;
    let here: { os: string; architecture: string };
    let elsewhere: { os: string; architecture: string };
    let m1: { digest: string; size: number };
    let m2: { digest: string; size: number };
    let container: string;

    /** Pushes `image` under a tag of the multi repository and forgets the digest the push gave it: only the index's will count. */
    async function pushManifest(image: string, tag: string): Promise<{ digest: string; size: number }> {
      dockerCli(['tag', image, `${multiRepository}:${tag}`]);
      dockerCli(['push', `${multiRepository}:${tag}`]);
      const { RepoDigests } = await docker.getImage(image).inspect();
      for (const entry of RepoDigests.filter((d) => d.startsWith(`${multiRepository}@`))) dockerCli(['rmi', entry]);
      dockerCli(['rmi', `${multiRepository}:${tag}`]);
      const head = await fetch(`http://${address}/v2/${multiPath}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST } });
      return { digest: head.headers.get('docker-content-digest')!, size: Number(head.headers.get('content-length')) };
    }

    /** PUTs an index as `multi`: each entry an image manifest of the repository, for a platform. */
    async function putIndex(entries: Array<[{ digest: string; size: number }, { os: string; architecture: string }]>): Promise<string> {
      const manifests = entries.map(([manifest, platform]) => ({ mediaType: MANIFEST, ...manifest, platform }));
      const put = await fetch(`http://${address}/v2/${multiPath}/manifests/multi`, {
        method: 'PUT',
        headers: { 'content-type': LIST },
        body: JSON.stringify({ schemaVersion: 2, mediaType: LIST, manifests }),
      });
      expect(put.status, await put.text()).toBe(201);
      return put.headers.get('docker-content-digest')!;
    }

    beforeAll(async () => {
      multiPath = `berth-test/update-multi-${runId}`;
      multiRepository = `${address}/${multiPath}`;
      const { Os, Arch } = await docker.version();
      here = { os: Os, architecture: Arch };
      elsewhere = { os: Os, architecture: Arch === 'arm64' ? 'amd64' : 'arm64' };
      m1 = await pushManifest(v1, 'm1');
      m2 = await pushManifest(v2, 'm2');
      expect((await docker.getImage(v1).inspect()).RepoDigests.some((d) => d.startsWith(multiRepository))).toBe(false);
    });

    it('pulled through an index, the image has the index digest: up-to-date, then still up-to-date when only another platform changed', async () => {
      const first = await putIndex([
        [m1, here],
        [m2, elsewhere],
      ]);
      container = await run(`${multiRepository}:multi`, 'always');
      const pulled = await containerStatus(container);
      expect(pulled.body).toMatchObject({
        state: 'up-to-date',
        reason: 'same-digest',
        imageId: v1,
        localDigests: [first],
        remoteDigest: first,
      });

      const otherArch = await putIndex([
        [m1, here],
        [m1, elsewhere],
      ]);
      expect(otherArch).not.toBe(first);
      expect((await refreshedStatus(container, { remoteDigest: otherArch })).body).toMatchObject({
        state: 'up-to-date',
        reason: 'platform-unchanged',
        localDigests: [first],
        remoteDigest: otherArch,
      });
    });

    it('an index whose entry for this platform changed is outdated', async () => {
      const changed = await putIndex([
        [m2, here],
        [m1, elsewhere],
      ]);
      expect((await refreshedStatus(container, { remoteDigest: changed })).body).toMatchObject({
        state: 'outdated',
        reason: 'platform-changed',
        remoteDigest: changed,
        platform: `${here.os}/${here.architecture}`,
      });
    });
  });

  describe('a registry that needs credentials (127.0.0.1:5001, htpasswd)', () => {
    let privateRef: string;
    let privateDigest: string;

    beforeAll(async () => {
      const credentials = registryCredentials();
      privateRef = `${credentials.address}/berth-test/update-${runId}:1.0`;
      dockerCli(['tag', v1, privateRef]);
      // A login of its own, in a config dir of its own: the machine's docker config is left alone.
      const config = mkdtempSync(join(tmpdir(), 'berth-e2e-docker-'));
      try {
        dockerCli(['--config', config, 'login', '-u', credentials.username, '--password-stdin', credentials.address], credentials.password);
        dockerCli(['--config', config, 'push', privateRef]);
      } finally {
        rmSync(config, { recursive: true, force: true });
      }
      privateDigest = await repoDigest(v1, privateRef.slice(0, privateRef.lastIndexOf(':')));
    });

    it('is unknown (anonymous access refused) without a record, up-to-date with one, and never shows the password', async () => {
      const anonymous = await imageStatus(privateRef);
      expect(anonymous.body).toMatchObject({ state: 'unknown', reason: 'unauthorized', localDigests: [privateDigest] });
      expect(anonymous.body.detail).toMatch(/\/api\/v1\/registries/);

      const credentials = registryCredentials();
      const record = await api(berth.url, '/api/v1/registries', {
        method: 'POST',
        token: berth.token,
        body: { name: `update-check-${runId}`, url: credentials.url, username: credentials.username, password: credentials.password },
      });
      expect(record.status, record.text).toBe(201);
      try {
        // A record added since is used at once: the kept answer was the anonymous one's.
        const status = await imageStatus(privateRef);
        expect(status.body).toMatchObject({ state: 'up-to-date', registryId: record.body.id, remoteDigest: privateDigest });
        expect(status.text).not.toContain(credentials.password);
      } finally {
        await api(berth.url, `/api/v1/registries/${record.body.id}`, { method: 'DELETE', token: berth.token });
      }
    });
  });
});
