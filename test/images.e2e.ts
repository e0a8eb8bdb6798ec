import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { openWs, wsUrl } from './support/ws.js';

// Issue 10: images on the real engine. The test image is never removed or retagged: this run
// tags copies `berth-test/e2e-<run>:*` (removed by name after) and builds one labelled image of its own.

const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/images';
const COPY = `berth-test/e2e-${runId}`;
const BUILT = `berth-test/e2e-${runId}-built:1`;
const enc = encodeURIComponent;

/** A labelled image of this run (`FROM` the test image, so no pull): its own id, so removing it deletes something. */
async function buildLabelledImage(tag: string, extra: Record<string, string> = {}): Promise<string> {
  const labelArgs = Object.entries({ ...labels, ...extra })
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'berth-img-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nLABEL ${labelArgs}\n`);
  try {
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag, labels });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(undefined))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return (await docker.getImage(tag).inspect()).Id;
}

describe('images on the real engine', () => {
  let berth: BerthProcess;
  let viewer: string;
  let builtId: string;
  let testImageId: string;
  const call = (path: string, request: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) =>
    api(berth.url, `${base}${path}`, { token: berth.token, ...request });

  beforeAll(async () => {
    berth = await startBerth();
    viewer = await credentialFor(berth, 'viewer');
    testImageId = (await docker.getImage(TEST_IMAGE).inspect()).Id;
    builtId = await buildLabelledImage(BUILT, { 'berth.test.kind': 'built' });
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    // Tag copies share the test image's id: removed by name, which only untags.
    for (const image of await docker.listImages({ filters: { reference: [`${COPY}:*`] } }))
      for (const tag of image.RepoTags ?? [])
        if (tag.startsWith(`${COPY}:`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => undefined);
  });

  it('lists images normalised, with the containers using each counted by Berth', async () => {
    const container = await docker.createContainer({ Image: BUILT, Labels: labels, name: uniqueName('img-user') });
    const listed = await call(`?reference=${enc(BUILT)}`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items).toEqual([
      {
        id: builtId,
        repoTags: [BUILT],
        repoDigests: [],
        sizeBytes: expect.any(Number),
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        labels: expect.objectContaining({ 'berth.test.run': runId }),
        containers: 1,
      },
    ]);
    await container.remove({ force: true });
    expect((await call(`?reference=${enc(BUILT)}`)).body.items[0].containers).toBe(0);
  });

  it.each([
    ['label', () => `label=${enc(`berth.test.run=${runId}`)}`, (ids: string[]) => ids.includes(builtId) && !ids.includes(testImageId)],
    ['reference glob', () => `reference=${enc('berth-test/busybox:*')}`, (ids: string[]) => ids.length === 1 && ids[0] === testImageId],
    ['dangling=false', () => 'dangling=false', (ids: string[]) => ids.includes(builtId) && ids.includes(testImageId)],
    ['dangling=true', () => 'dangling=true', (ids: string[]) => !ids.includes(builtId) && !ids.includes(testImageId)],
    ['since', () => `since=${enc(TEST_IMAGE)}&label=${enc(`berth.test.run=${runId}`)}`, (ids: string[]) => ids.includes(builtId)],
    ['before', () => `before=${enc(BUILT)}`, (ids: string[]) => !ids.includes(builtId)],
  ])('filters by %s', async (_name, query, expected) => {
    const listed = await call(`?${query()}`);
    expect(listed.status, listed.text).toBe(200);
    const ids = (listed.body.items as Array<{ id: string }>).map((image) => image.id);
    expect(expected(ids), JSON.stringify(ids)).toBe(true);
  });

  it.each([
    ['before', 'Bad:1', 'before.path'],
    ['since', 'app@sha256:abc', 'since.digest'],
  ])('rejects a %s filter that is no reference, naming the part', async (key, value, field) => {
    const listed = await call(`?${key}=${enc(value)}`);
    expectProblem(listed, 400, 'VALIDATION_FAILED');
    expect(listed.body.errors[0].field).toBe(field);
  });

  it.each([
    ['the encoded reference', () => enc(BUILT)],
    ['the id', () => builtId],
    ['an id prefix', () => builtId.slice(0, 19)],
  ])('inspects by %s', async (_name, ref) => {
    const inspected = await call(`/${ref()}`);
    expect(inspected.status, inspected.text).toBe(200);
    expect(inspected.body).toMatchObject({ id: builtId, repoTags: [BUILT], os: 'linux', raw: { Id: builtId } });
  });

  it('answers 404 for an image that does not exist and 400 naming the part for a bad reference', async () => {
    expectProblem(await call(`/${enc(`${COPY}:missing`)}`), 404, 'IMAGE_NOT_FOUND');
    const bad = await call(`/${enc('Team/App:1')}`);
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors[0].field).toBe('ref.path');
  });

  it('shows the history, newest layer first', async () => {
    const history = await call(`/${enc(BUILT)}/history`);
    expect(history.status, history.text).toBe(200);
    expect(history.body[0]).toMatchObject({ id: builtId, tags: [BUILT], createdBy: expect.stringContaining('LABEL') });
    expect(history.body.at(-1)).toMatchObject({ sizeBytes: expect.any(Number), createdAt: expect.any(String) });
  });

  it('tags an image (201) and rejects bad names naming the part, tagging nothing', async () => {
    const tagged = await call(`/${enc(TEST_IMAGE)}/tag`, { method: 'POST', body: { repo: COPY, tag: 'x' } });
    expect(tagged.status, tagged.text).toBe(201);
    expect(tagged.body).toEqual({ id: testImageId, reference: `${COPY}:x` });
    expect((await docker.getImage(`${COPY}:x`).inspect()).Id).toBe(testImageId);
    for (const [body, field] of [
      [{ repo: `${COPY}-Upper`, tag: 'y' }, 'repo.path'],
      [{ repo: COPY, tag: '-y' }, 'tag'],
      [{ repo: `${COPY}:y` }, 'repo'],
      [{ repo: `bad_host:1/${COPY}` }, 'repo.registry'],
      [{ repo: `${COPY}/../y` }, 'repo.path'],
    ] as const) {
      const refused = await call(`/${enc(TEST_IMAGE)}/tag`, { method: 'POST', body });
      expectProblem(refused, 400, 'VALIDATION_FAILED');
      expect(refused.body.errors[0].field, refused.text).toBe(field);
    }
    const copies = await docker.listImages({ filters: { reference: [`${COPY}:*`] } });
    expect(copies.flatMap((i) => i.RepoTags ?? []).filter((tag) => tag.startsWith(COPY))).toEqual([`${COPY}:x`]);
    await auditEvents(berth, `target=${enc(`${COPY}:x`)}`, (items) =>
      items.some((e) => e.status === 201 && e.targets.includes(TEST_IMAGE)),
    );
  });

  it('refuses to remove an image in use with 409 naming the container, then removes it: untagged and deleted', async () => {
    const ref = `berth-test/e2e-${runId}-inuse:1`;
    const id = await buildLabelledImage(ref);
    const name = uniqueName('img-inuse');
    const container = await docker.createContainer({ Image: ref, Labels: labels, name });
    const refused = await call(`/${enc(ref)}`, { method: 'DELETE' });
    expectProblem(refused, 409, 'IMAGE_IN_USE');
    expect(refused.body.containers).toEqual([{ id: container.id, name }]);
    expect(refused.body.detail).toContain(name);
    expect((await docker.getImage(ref).inspect()).Id).toBe(id);

    await container.remove({ force: true });
    const removed = await call(`/${enc(ref)}`, { method: 'DELETE' });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toEqual({ untagged: [ref], deleted: expect.arrayContaining([id]) });
    expectProblem(await call(`/${id}`), 404, 'IMAGE_NOT_FOUND');
    await auditEvents(berth, `target=${enc(ref)}`, (items) => items.some((e) => e.status === 200 && e.action.startsWith('DELETE')));
  });

  it('removing a tag copy only untags: the test image stays', async () => {
    await docker.getImage(TEST_IMAGE).tag({ repo: COPY, tag: 'rm' });
    const removed = await call(`/${enc(`${COPY}:rm`)}`, { method: 'DELETE' });
    expect(removed.body).toEqual({ untagged: [`${COPY}:rm`], deleted: [] });
    expect((await docker.getImage(TEST_IMAGE).inspect()).Id).toBe(testImageId);
  });

  it('exports an image as a tar download and imports it back: the id round-trips', async () => {
    const ref = `berth-test/e2e-${runId}-trip:1`;
    const id = await buildLabelledImage(ref, { 'berth.test.kind': 'trip' });
    const exported = await fetch(`${berth.url}${base}/${enc(ref)}/export`, { headers: { authorization: `Bearer ${berth.token}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toBe('application/x-tar');
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    const tar = Buffer.from(await exported.arrayBuffer());
    expect(tar.length).toBeGreaterThan(1024);

    await docker.getImage(ref).remove();
    await expect(docker.getImage(id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const imported = await fetch(`${berth.url}${base}/import?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/x-tar' },
      body: tar,
    });
    const job = (await imported.json()) as { id: string };
    expect(imported.status, JSON.stringify(job)).toBe(200);
    expect(imported.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      kind: 'import',
      status: 'succeeded',
      result: { loaded: [ref] },
      progress: { percent: 100, currentBytes: tar.length },
    });
    expect((await docker.getImage(ref).inspect()).Id).toBe(id);
    await auditEvents(berth, `target=${enc(ref)}`, (items) => items.some((e) => e.action === 'POST /api/v1/hosts/:host/images/import'));
  });

  it('ends the export when the client goes away mid-download, and keeps serving', async () => {
    const abort = new AbortController();
    const exported = await fetch(`${berth.url}${base}/${enc(TEST_IMAGE)}/export`, {
      headers: { authorization: `Bearer ${berth.token}` },
      signal: abort.signal,
    });
    expect(exported.status).toBe(200);
    const reader = exported.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    abort.abort();
    await reader.read().catch(() => undefined);
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    const again = await fetch(`${berth.url}${base}/${enc(TEST_IMAGE)}/export`, { headers: { authorization: `Bearer ${berth.token}` } });
    expect(again.status).toBe(200);
    expect((await again.arrayBuffer()).byteLength).toBeGreaterThan(1024);
  });

  it('exports several images in one tar with ?ref=', async () => {
    const exported = await fetch(`${berth.url}${base}/${enc(BUILT)}/export?ref=${enc(TEST_IMAGE)}`, {
      headers: { authorization: `Bearer ${berth.token}` },
    });
    expect(exported.status).toBe(200);
    const manifest = readManifest(Buffer.from(await exported.arrayBuffer()));
    expect(manifest.flatMap((entry) => entry.RepoTags).sort()).toEqual([BUILT, TEST_IMAGE].sort());
  });

  it("answers an import at once as a job (202 + Location) that fails with the engine's words for a tar that is no image", async () => {
    const started = await fetch(`${berth.url}${base}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/x-tar' },
      body: Buffer.alloc(4096, 'x'),
    });
    const job = (await started.json()) as { id: string };
    expect(started.status, JSON.stringify(job)).toBe(202);
    expect(started.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
    const finished = await until(
      async () => {
        const current = await api(berth.url, `/api/v1/jobs/${job.id}`, { token: berth.token });
        return ['succeeded', 'failed', 'canceled'].includes(current.body.status) && current.body;
      },
      () => 'the import job to finish',
    );
    expect(finished).toMatchObject({ kind: 'import', status: 'failed', error: expect.any(String) });
  });

  it('refuses an export of a missing image with 404 before any byte, and an import that is not a tar with 415', async () => {
    expectProblem(await call(`/${enc(`${COPY}:missing`)}/export`), 404, 'IMAGE_NOT_FOUND');
    // Each extra ref costs an engine call before the export starts: more than 20 are refused, however they are sent.
    const refs = (count: number) => Array.from({ length: count }, () => `ref=${enc(TEST_IMAGE)}`).join('&');
    expect((await call(`/${enc(TEST_IMAGE)}/export?${refs(20)}`)).status).toBe(200);
    for (const many of [refs(21), refs(400), `ref[5000]=${enc(TEST_IMAGE)}&${refs(21)}`]) {
      expectProblem(await call(`/${enc(TEST_IMAGE)}/export?${many}`), 400, 'VALIDATION_FAILED');
    }
    const notTar = await call('/import', { method: 'POST', body: { a: 1 } });
    expectProblem(notTar, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it("redacts an image's env values and build arguments for a viewer (inspect, raw, history); an operator sees them", async () => {
    const operator = await credentialFor(berth, 'operator');
    const tag = `${COPY}-secrets:1`;
    const secret = `s3cr3t-${runId}`;
    const argSecret = `arg-s3cr3t-${runId}`;
    const built = await call('/build?wait=true', {
      method: 'POST',
      token: operator,
      body: {
        // The RUN last: its build arguments are in the image's ContainerConfig.Cmd too.
        dockerfile: `FROM ${TEST_IMAGE}\nARG BUILD_TOKEN=default-${secret}\nENV SECRET_TOKEN=${secret} OTHER=x\nRUN echo built\n`,
        tags: [tag],
        buildArgs: { BUILD_TOKEN: argSecret },
        labels,
      },
    });
    expect(built.status, built.text).toBe(200);
    expect(built.body.status, built.text).toBe('succeeded');
    const asViewer = [await call(`/${enc(tag)}`, { token: viewer }), await call(`/${enc(tag)}/history`, { token: viewer })];
    for (const answer of asViewer) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).not.toContain(secret);
      expect(answer.text).not.toContain(argSecret);
    }
    expect(asViewer[0].body.raw.Config.Env).toContain('SECRET_TOKEN=<redacted>');
    const createdBy = (asViewer[1].body as Array<{ createdBy: string }>).map((layer) => layer.createdBy).join('\n');
    expect(createdBy).toContain('ENV SECRET_TOKEN=<redacted> OTHER=<redacted>');
    expect(createdBy).toContain('BUILD_TOKEN=<redacted>');
    const asOperator = [await call(`/${enc(tag)}`, { token: operator }), await call(`/${enc(tag)}/history`, { token: operator })];
    expect(asOperator[0].body.raw.Config.Env).toContain(`SECRET_TOKEN=${secret}`);
    expect(asOperator[1].text).toContain(argSecret);
    expect(asOperator[1].text).toContain(`ENV SECRET_TOKEN=${secret}`);

    // The build's own log (REST pages and the WS replay) says `Step 3/4 : ENV SECRET_TOKEN=...`: the same rule.
    const jobEvents = `/api/v1/jobs/${built.body.id}/events?limit=1000`;
    const viewerEvents = await api(berth.url, jobEvents, { token: viewer });
    expect(viewerEvents.status, viewerEvents.text).toBe(200);
    expect(viewerEvents.text).toContain('ENV SECRET_TOKEN=<redacted> OTHER=<redacted>');
    expect(viewerEvents.text).not.toContain(secret);
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/jobs', { id: built.body.id }), { token: viewer });
    expect((await socket.closed).code).toBe(1000);
    const replayed = socket.frames.map(String).join('\n');
    expect(replayed).toContain('ENV SECRET_TOKEN=<redacted>');
    expect(replayed).not.toContain(secret);
    expect((await api(berth.url, jobEvents, { token: operator })).text).toContain(`ENV SECRET_TOKEN=${secret}`);
  });

  it('lets a viewer read but not tag, remove, export or import (403)', async () => {
    expect((await call('', { token: viewer })).status).toBe(200);
    expect((await call(`/${enc(BUILT)}`, { token: viewer })).status).toBe(200);
    expect((await call(`/${enc(BUILT)}/history`, { token: viewer })).status).toBe(200);
    expectProblem(
      await call(`/${enc(TEST_IMAGE)}/tag`, { method: 'POST', token: viewer, body: { repo: COPY, tag: 'viewer' } }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await call(`/${enc(BUILT)}`, { method: 'DELETE', token: viewer }), 403, 'FORBIDDEN');
    expectProblem(await call(`/${enc(BUILT)}/export`, { token: viewer }), 403, 'FORBIDDEN');
    expectProblem(
      await call('/import', { method: 'POST', token: viewer, body: 'x', headers: { 'content-type': 'application/x-tar' } }),
      403,
      'FORBIDDEN',
    );
    await expect(docker.getImage(`${COPY}:viewer`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getImage(BUILT).inspect()).Id).toBe(builtId);
  });
});

/** The `manifest.json` of a `docker save` tar (ustar: a 512-byte header, then the content padded to 512). */
function readManifest(tar: Buffer): Array<{ RepoTags: string[] }> {
  for (let offset = 0; offset + 512 <= tar.length;) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString('ascii')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (name === 'manifest.json') return JSON.parse(tar.subarray(offset + 512, offset + 512 + size).toString('utf8'));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no manifest.json in the tar');
}
