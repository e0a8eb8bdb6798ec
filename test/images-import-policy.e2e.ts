import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

// Issue 10/8: `docker load` moves the tags its tar names. A tag a policy exception runs may be
// moved by an admin only, by import as by commit, tag, pull or build. The test image is never
// retagged: this run tags copies `berth-test/e2e-exc-<run>:*` (removed by name after).

const runId = newRunId();
const labels = testLabels(runId);
const EXCEPTION_TAG = `berth-test/e2e-exc-${runId}:x`;
const OTHER_TAG = `berth-test/e2e-exc-${runId}:other`;

/** A labelled image of this run with a CMD of its own (a different id than the test image), tagged `tag`. */
async function buildOther(tag: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-img-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCMD ["sh", "-c", "echo replaced"]\n`);
  try {
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag, labels });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(undefined))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return (await docker.getImage(tag).inspect()).Id;
}

async function saved(ref: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await docker.getImage(ref).get()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('an import that would move the tag of a policy exception', () => {
  let berth: BerthProcess;
  let operator: string;
  let testImageId: string;
  let otherId: string;
  /** A `docker save` tar whose manifest says RepoTags [EXCEPTION_TAG], of an image other than the one the exception runs. */
  let attack: Buffer;

  const load = (token: string, body: Buffer) =>
    fetch(`${berth.url}/api/v1/hosts/local/images/import?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
      body,
    });

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
    testImageId = (await docker.getImage(TEST_IMAGE).inspect()).Id;
    // The attack tar: another image saved under the exception's tag; then the tag goes back to a copy of the test image.
    otherId = await buildOther(EXCEPTION_TAG);
    await docker.getImage(otherId).tag({ repo: OTHER_TAG.split(':')[0], tag: 'other' });
    attack = await saved(EXCEPTION_TAG);
    await docker.getImage(TEST_IMAGE).tag({ repo: EXCEPTION_TAG.split(':')[0], tag: 'x' });
    expect((await docker.getImage(EXCEPTION_TAG).inspect()).Id).toBe(testImageId);

    const exception = await api(berth.url, '/api/v1/hosts/local/containers', {
      method: 'POST',
      token: berth.token,
      body: { image: EXCEPTION_TAG, pull: 'never', labels, name: uniqueName('exc'), cmd: ['true'], binds: ['/:/host:ro'] },
    });
    expect(exception.status, exception.text).toBe(201);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    for (const tag of [EXCEPTION_TAG, OTHER_TAG])
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
  });

  it('refuses an operator with 403 POLICY_DENIED before anything is loaded: the tag stays on its image', async () => {
    const response = await load(operator, attack);
    const body = (await response.json()) as Record<string, unknown>;
    expectProblem({ status: response.status, body, text: JSON.stringify(body), headers: response.headers } as never, 403, 'POLICY_DENIED');
    expect(String(body.detail)).toContain(EXCEPTION_TAG);
    expect((await docker.getImage(EXCEPTION_TAG).inspect()).Id).toBe(testImageId);
  });

  it('lets an admin load it: the tag moves', async () => {
    const response = await load(berth.token, attack);
    const job = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(job)).toBe(200);
    expect(job).toMatchObject({ kind: 'import', status: 'succeeded', result: { loaded: [EXCEPTION_TAG] } });
    expect((await docker.getImage(EXCEPTION_TAG).inspect()).Id).toBe(otherId);
  });
});
