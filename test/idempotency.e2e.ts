import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

const runId = newRunId();
const labels = testLabels(runId);
const containers = '/api/v1/hosts/local/containers';

describe('Idempotency-Key on the POSTs that create', () => {
  let berth: BerthProcess;
  let operator: string;
  let otherOperator: string;

  const create = (token: string, key: string | undefined, body: Record<string, unknown>) =>
    api(berth.url, containers, { method: 'POST', token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });
  /** What the engine itself holds under a test's own label: the truth, not Berth's answer. */
  const engineHolds = async (kind: string) =>
    (await docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`, `berth.test.idempotency=${kind}`] } })).map(
      (c) => c.Id,
    );

  beforeAll(async () => {
    berth = await startBerth();
    [operator, otherOperator] = await Promise.all([credentialFor(berth, 'operator'), credentialFor(berth, 'operator')]);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('creates one container for a create sent twice with one key: the retry gets the same 201 and id', async () => {
    const key = randomUUID();
    const body = { image: TEST_IMAGE, name: uniqueName('idem'), labels: { ...labels, 'berth.test.idempotency': 'twice' }, cmd: ['true'] };
    const first = await create(operator, key, body);
    expect(first.status, first.text).toBe(201);
    const retry = await create(operator, key, body);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    expect(await engineHolds('twice')).toEqual([first.body.id]);
    // Without the key the same body is a new request: the name is taken now.
    expectProblem(await create(operator, undefined, body), 409, 'NAME_CONFLICT');
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED to another body under a used key, and creates nothing', async () => {
    const key = randomUUID();
    const kindLabels = { ...labels, 'berth.test.idempotency': 'reused' };
    const first = await create(operator, key, { image: TEST_IMAGE, labels: kindLabels, cmd: ['true'] });
    expect(first.status, first.text).toBe(201);
    const other = await create(operator, key, { image: TEST_IMAGE, labels: kindLabels, cmd: ['false'] });
    expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await engineHolds('reused')).toEqual([first.body.id]);
  });

  it("keeps one user's key apart from another's: the same key makes each their own container", async () => {
    const key = randomUUID();
    const body = { image: TEST_IMAGE, labels: { ...labels, 'berth.test.idempotency': 'users' }, cmd: ['true'] };
    const mine = await create(operator, key, body);
    const theirs = await create(otherOperator, key, body);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers.get('idempotency-replayed')).toBeNull();
    expect((await engineHolds('users')).sort()).toEqual([mine.body.id, theirs.body.id].sort());
  });

  it('keeps a refusal: a policy 403 is answered again to the retry, and a malformed key is 400; nothing is created', async () => {
    const key = randomUUID();
    const body = { image: TEST_IMAGE, labels: { ...labels, 'berth.test.idempotency': 'refused' }, privileged: true };
    expectProblem(await create(operator, key, body), 403, 'POLICY_DENIED');
    const retry = await create(operator, key, body);
    expectProblem(retry, 403, 'POLICY_DENIED');
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    for (const bad of ['x'.repeat(256), ' ']) {
      const response = await create(operator, bad, { image: TEST_IMAGE, labels: { ...labels, 'berth.test.idempotency': 'refused' } });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors[0].field).toBe('Idempotency-Key');
    }
    expect(await engineHolds('refused')).toEqual([]);
  });

  it('answers a pull retried with its key with the first job and Location, not a second job', async () => {
    const key = randomUUID();
    // The anonymous local registry has no such image: the job fails, but the 202 is what is answered again.
    const body = { image: `127.0.0.1:5002/berth-test/absent-${runId}:1` };
    const pull = () =>
      api(berth.url, '/api/v1/hosts/local/images/pull', { method: 'POST', token: operator, body, headers: { 'idempotency-key': key } });
    const first = await pull();
    expect(first.status, first.text).toBe(202);
    const retry = await pull();
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('location')).toBe(`/api/v1/jobs/${first.body.id}`);
  });
});
