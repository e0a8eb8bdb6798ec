import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, createUser, login, startBerth } from './support/berth.js';
import { newRunId } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

// The list's engine call starts once every global guard let the request through (EarlyListGuard), before
// validation: these are the attacks on that head start. Each refused request must cost the engine nothing,
// even for a query string whose engine call Berth already knows how to start early.
// Every credential has this many requests per window, the admin reading /metrics too: far above what it uses here.
const PER_CREDENTIAL = 100;
const QUERY = `all=true&label=${encodeURIComponent(`berth.test.run=${newRunId()}`)}`;
const LIST = `/api/v1/hosts/local/containers?${QUERY}`;

describe('the early engine call of a container list', () => {
  let berth: BerthProcess;

  /** Engine list calls so far (berth_engine_call_duration_seconds_count of container.list), read as the admin. */
  const engineLists = async (): Promise<number> => {
    const metrics = await api(berth.url, '/metrics', { token: berth.token });
    expect(metrics.status).toBe(200);
    return (metrics.text as string)
      .split('\n')
      .filter((line) => line.startsWith('berth_engine_call_duration_seconds_count{') && line.includes('operation="container.list"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  };
  /** The count once nothing else lists (the bind watcher sweeps once at start). */
  const settledEngineLists = async (): Promise<number> => {
    let last = -1;
    return until(async () => {
      const now = await engineLists();
      const settled = now === last;
      last = now;
      // At least the list of beforeAll: a settled count is never 0.
      return settled ? now : undefined;
    }, 'the count of engine list calls to settle');
  };

  /**
   * Runs the refused requests, then one allowed list: its engine call starts after any call they might have started
   * has ended (and been counted), so the count shows exactly the allowed one when the refused ones made none.
   */
  const expectNoEngineCall = async (refused: () => Promise<void>) => {
    const before = await settledEngineLists();
    await refused();
    expect((await api(berth.url, LIST, { token: berth.token })).status).toBe(200);
    expect(await engineLists()).toBe(before + 1);
  };

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_RATE_LIMIT: String(PER_CREDENTIAL), BERTH_RATE_LIMIT_WINDOW_MS: '600000' } });
    // The query string validates once: from now on its engine call can start before validation.
    expect((await api(berth.url, LIST, { token: berth.token })).status).toBe(200);
  });
  afterAll(() => berth?.stop());

  it('an allowed list makes exactly one engine call (the early one, taken by the handler)', async () => {
    const before = await settledEngineLists();
    expect((await api(berth.url, LIST, { token: berth.token })).status).toBe(200);
    expect(await engineLists()).toBe(before + 1);
  });

  it('no credential, a forged one, and a revoked key on its very next request: 401, and no engine call', async () => {
    const user = await createUser(berth, 'viewer');
    const token = await login(berth.url, user);
    const key = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'early list', role: 'viewer' } });
    expect(key.status).toBe(201);
    expect((await api(berth.url, LIST, { token: key.body.key })).status).toBe(200);
    expect((await api(berth.url, `/api/v1/auth/api-keys/${key.body.id}`, { method: 'DELETE', token })).status).toBe(204);

    await expectNoEngineCall(async () => {
      expectProblem(await api(berth.url, LIST), 401, 'UNAUTHENTICATED');
      expectProblem(await api(berth.url, LIST, { token: `${key.body.key}x` }), 401, 'UNAUTHENTICATED');
      expectProblem(await api(berth.url, LIST, { token: key.body.key }), 401, 'UNAUTHENTICATED');
    });
  });

  it('a user who may not see the host: 404 HOST_NOT_FOUND, and no engine call', async () => {
    const user = await createUser(berth, 'viewer');
    const grants = await api(berth.url, `/api/v1/users/${user.id}/host-roles`, {
      method: 'PUT',
      token: berth.token,
      body: { grants: [{ host: 'local', role: 'none' }] },
    });
    expect(grants.status, grants.text).toBe(200);
    const token = await login(berth.url, user);

    await expectNoEngineCall(async () => expectProblem(await api(berth.url, LIST, { token }), 404, 'HOST_NOT_FOUND'));
  });

  it('a rate-limited caller: 429, and no engine call', async () => {
    const token = await login(berth.url, await createUser(berth, 'viewer'));
    for (let used = 0; used < PER_CREDENTIAL; used += 1) expect((await api(berth.url, LIST, { token })).status).toBe(200);

    await expectNoEngineCall(async () => {
      for (let refused = 0; refused < 5; refused += 1) expectProblem(await api(berth.url, LIST, { token }), 429, 'RATE_LIMITED');
    });
  });
});
