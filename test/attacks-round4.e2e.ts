import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

/**
 * Round four: attacks on this round's new inputs (Idempotency-Key, -p strings, ...). Each test is
 * the attack and asserts that it now fails.
 */
const runId = newRunId();
const labels = testLabels(runId);
const containers = '/api/v1/hosts/local/containers';

describe('attacks, round four', () => {
  let berth: BerthProcess;
  let operator: string;

  /** This run's containers carrying `berth.test.r4=<kind>`, as the engine holds them. */
  const engineHolds = async (kind: string) =>
    (await docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`, `berth.test.r4=${kind}`] } })).map((c) => c.Id);

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('1000 -p strings of 1000 ports each (16 kB) are a 400 naming the cap, not a million bindings; Berth stays up', async () => {
    const response = await api(berth.url, containers, {
      method: 'POST',
      token: operator,
      body: {
        image: TEST_IMAGE,
        labels: { ...labels, 'berth.test.r4': 'ports' },
        ports: Array.from({ length: 1000 }, () => '1-1000:1-1000'),
      },
    });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([
      { field: 'ports', message: 'ports must publish at most 1000 ports (a range counts each of its ports)' },
    ]);
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    expect(await engineHolds('ports')).toEqual([]);
  });

  it("an admin's operator API key replaying the admin's privileged create under its key is refused by the policy, not answered 201", async () => {
    const key = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'r4 operator key', role: 'operator' },
    });
    expect(key.status, key.text).toBe(201);
    const idempotencyKey = randomUUID();
    const body = { image: TEST_IMAGE, labels: { ...labels, 'berth.test.r4': 'replay' }, cmd: ['true'], privileged: true };
    const create = (token: string) =>
      api(berth.url, containers, { method: 'POST', token, body, headers: { 'idempotency-key': idempotencyKey } });

    const admins = await create(berth.token);
    expect(admins.status, admins.text).toBe(201);
    const replayed = await create(key.body.key);
    expectProblem(replayed, 403, 'POLICY_DENIED');
    expect(replayed.headers.get('idempotency-replayed')).toBeNull();
    // The admin's own retry still gets its first answer, and the engine holds one container.
    const retry = await create(berth.token);
    expect([retry.status, retry.body.id, retry.headers.get('idempotency-replayed')]).toEqual([201, admins.body.id, 'true']);
    expect(await engineHolds('replay')).toEqual([admins.body.id]);
  });
});
