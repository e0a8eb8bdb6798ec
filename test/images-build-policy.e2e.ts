import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

// Issue 10: a tag a policy exception runs may be moved by an admin only. Two ways a build moved it
// anyway: a build that waited in the host's queue while the exception started (checked again when it
// leaves the queue), and `pull: true`, with which the engine pulls every FROM image again. The test
// image is never retagged: this run tags copies `berth-test/e2e-bpol-<run>:*` (removed by name after).

const runId = newRunId();
const labels = testLabels(runId);
const COPY = `berth-test/e2e-bpol-${runId}`;
const FINISHED = ['succeeded', 'failed', 'canceled'];

describe('builds that would move the tag of a policy exception', () => {
  let berth: BerthProcess;
  let operator: string;
  let testImageId: string;

  const build = (token: string, body: Record<string, unknown>, query = '') =>
    api(berth.url, `/api/v1/hosts/local/images/build${query}`, { method: 'POST', token, body: { labels, ...body } });
  const job = async (id: string) => (await api(berth.url, `/api/v1/jobs/${id}`, { token: operator })).body;
  /** An admin's container that breaks the create policy (the host's root mounted), on `image`. */
  const startException = async (image: string) => {
    const created = await api(berth.url, '/api/v1/hosts/local/containers', {
      method: 'POST',
      token: berth.token,
      body: { image, pull: 'never', labels, name: uniqueName('exc'), cmd: ['true'], binds: ['/:/host:ro'] },
    });
    expect(created.status, created.text).toBe(201);
  };
  const copyTag = async (tag: string) => {
    await docker.getImage(TEST_IMAGE).tag({ repo: COPY, tag });
    return `${COPY}:${tag}`;
  };

  beforeAll(async () => {
    // One job at a time: a second build waits in the queue.
    berth = await startBerth({ env: { BERTH_JOBS_PER_HOST: '1' } });
    operator = await credentialFor(berth, 'operator');
    testImageId = (await docker.getImage(TEST_IMAGE).inspect()).Id;
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    for (const image of await docker.listImages({ filters: { reference: [`${COPY}:*`] } }))
      for (const tag of image.RepoTags ?? [])
        if (tag.startsWith(`${COPY}:`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => undefined);
  });

  it('fails a queued build whose tag an exception started on while it waited: the tag stays where it was', async () => {
    const guarded = await copyTag('queued');
    const blocker = await build(operator, {
      dockerfile: `FROM ${TEST_IMAGE}\nRUN sleep 30\n`,
      tags: [`${COPY}:blocker`],
      noCache: true,
    });
    expect(blocker.status, blocker.text).toBe(202);
    await until(async () => (await job(blocker.body.id)).status === 'running', 'the blocking build running');

    // Authorized now: nothing runs the tag yet. It waits behind the blocker.
    const queued = await build(operator, { dockerfile: `FROM ${TEST_IMAGE}\nCMD ["echo", "replaced"]\n`, tags: [guarded] });
    expect(queued.status, queued.text).toBe(202);
    expect((await job(queued.body.id)).status).toBe('queued');

    await startException(guarded);
    const canceled = await api(berth.url, `/api/v1/jobs/${blocker.body.id}`, { method: 'DELETE', token: operator });
    expect(canceled.body.status).toBe('canceled');

    const finished = await until(
      async () => {
        const view = await job(queued.body.id);
        return FINISHED.includes(view.status) && view;
      },
      'the queued build to end',
      { timeoutMs: 60_000 },
    );
    expect(finished.status).toBe('failed');
    expect(finished.error).toContain('policy exception');
    expect((await docker.getImage(guarded).inspect()).Id).toBe(testImageId);
  });

  it('refuses a build with pull whose FROM an exception runs (403, also through a build argument); without pull it builds', async () => {
    const guarded = await copyTag('pulled');
    await startException(guarded);
    const target = `${COPY}:from-guarded`;

    expectProblem(await build(operator, { dockerfile: `FROM ${guarded}\n`, tags: [target], pull: true }), 403, 'POLICY_DENIED');
    const viaArg = await build(operator, {
      dockerfile: 'ARG BASE=busybox\nFROM --platform=linux/amd64 ${BASE} AS base\nFROM base\n',
      buildArgs: { BASE: guarded },
      tags: [target],
      pull: true,
    });
    expectProblem(viaArg, 403, 'POLICY_DENIED');
    expect(viaArg.body.detail).toContain(guarded);
    expectProblem(await build(operator, { dockerfile: 'ARG BASE\nFROM ${BASE}\n', tags: [target], pull: true }), 403, 'POLICY_DENIED');
    await expect(docker.getImage(target).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getImage(guarded).inspect()).Id).toBe(testImageId);

    // Without pull the engine uses the local image: no tag moves, the operator may build on it.
    const plain = await build(operator, { dockerfile: `FROM ${guarded}\n`, tags: [target] }, '?wait=true');
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.status, plain.text).toBe('succeeded');
  });
});
