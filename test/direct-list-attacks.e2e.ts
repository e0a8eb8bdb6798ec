import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { api, expectProblem, type ApiResponse } from './support/http.js';
import { requestsCounted } from './support/metrics.js';
import { docker, newRunId, removeTestResources, TEST_IMAGE, testLabels } from './support/engine.js';
import { until } from './support/until.js';

/**
 * Attacks on `GET /api/v1/hosts/{host}/containers`, answered in front of Express's router (src/common/direct-route.ts,
 * issue 14): with CORS and the general rate limit on, the direct route must refuse, count and label exactly as the Nest
 * route (the same path with a trailing slash) does. Every key is a fresh one: the rate limit counts per credential.
 */
const DASH = 'https://dash.example.com';
const RATE_LIMIT = 20;
const LIST = '/api/v1/hosts/local/containers';
/** The same request through Nest's route. */
const viaNest = (path: string) => path.replace(/containers(\?|$)/, 'containers/$1');

describe('the direct container list under attack (CORS and the rate limit on)', () => {
  let berth: BerthProcess;
  const runId = newRunId();
  const mine = `label=berth.test.run=${runId}`;

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_CORS_ORIGINS: DASH, BERTH_RATE_LIMIT: String(RATE_LIMIT) } });
    // Created, not started: listed with `all` only.
    for (let i = 0; i < 2; i += 1) await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(runId) });
  });
  afterAll(async () => {
    await removeTestResources(runId);
    await berth?.stop();
  });

  /** A new API key (its own rate-limit bucket). */
  const newKey = async (body: Record<string, unknown> = {}) => {
    const created = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: `attack-${Math.random().toString(36).slice(2, 8)}`, role: 'viewer', ...body },
    });
    expect(created.status, created.text).toBe(201);
    return created.body.key as string;
  };
  const get = (path: string, token?: string, headers: Record<string, string> = {}) => api(berth.url, path, { token, headers });
  /** A problem's own path and request id aside. */
  const bodyOf = ({ body }: ApiResponse) =>
    typeof body === 'object' && body && 'instance' in body ? { ...body, instance: undefined, requestId: undefined } : body;

  it('counts the direct and the Nest route in one bucket, and the direct route refuses past the limit (429)', async () => {
    const key = await newKey();
    for (let i = 0; i < RATE_LIMIT; i += 1) {
      const answer = await get(i % 2 === 0 ? LIST : viaNest(LIST), key);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers.get('ratelimit-remaining')).toBe(String(RATE_LIMIT - 1 - i));
    }
    for (const path of [LIST, viaNest(LIST)]) {
      const refused = await get(path, key);
      expectProblem(refused, 429, 'RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it("answers an allowed page's Origin with the CORS headers the Nest route sends, refusals included, and no other origin", async () => {
    const key = await newKey();
    const cors = (answer: ApiResponse) => ({
      status: answer.status,
      allowOrigin: answer.headers.get('access-control-allow-origin'),
      exposed: answer.headers.get('access-control-expose-headers'),
      vary: answer.headers.get('vary'),
    });
    for (const [token, status] of [
      [key, 200],
      [undefined, 401],
    ] as const) {
      const direct = await get(LIST, token, { origin: DASH });
      expect(cors(direct)).toEqual(cors(await get(viaNest(LIST), token, { origin: DASH })));
      expect(direct.status).toBe(status);
      expect(direct.headers.get('access-control-allow-origin')).toBe(DASH);
      expect(direct.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    }
    const elsewhere = await get(LIST, key, { origin: 'https://evil.example.com' });
    expect(cors(elsewhere)).toEqual(cors(await get(viaNest(LIST), key, { origin: 'https://evil.example.com' })));
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(elsewhere.headers.get('vary')).toContain('Origin');
  });

  it("echoes a client's X-Request-Id on the direct route's refusal, and logs it under that id", async () => {
    for (const [path, id] of [
      [LIST, 'direct-attack.1'],
      [viaNest(LIST), 'direct-attack.2'],
    ]) {
      const refused = await get(path, undefined, { 'x-request-id': id });
      expectProblem(refused, 401, 'UNAUTHENTICATED');
      expect(refused.headers.get('x-request-id')).toBe(id);
      expect(refused.body.requestId).toBe(id);
      const logged = await until(
        () =>
          berth
            .output()
            .split('\n')
            .find((line) => line.includes(`"id":"${id}"`) && line.includes('"statusCode":401')),
        `the access log line of ${id}`,
      );
      expect(logged).toContain(`"path":"${path}"`);
    }
  });

  it('counts its refusals under the route pattern in /metrics, so that a burst of 401s shows on the list route', async () => {
    const refusals = () => requestsCounted(berth.url, berth.token, '/api/v1/hosts/:host/containers', 401);
    const before = await refusals();
    for (let i = 0; i < 3; i += 1) expectProblem(await get(LIST, 'berth_notakey'), 401, 'UNAUTHENTICATED');
    expect(await refusals()).toBe(before + 3);
  });

  it('prototype keys and mixed list forms in the query pollute neither the cached query nor the next request', async () => {
    const key = await newKey();
    const total = async (query: string) => {
      const direct = await get(`${LIST}?${query}`, key);
      const nest = await get(viaNest(`${LIST}?${query}`), key);
      expect([direct.status, bodyOf(direct)]).toEqual([nest.status, bodyOf(nest)]);
      return direct.status === 200 ? (direct.body.total as number) : direct.status;
    };
    // Refused (the prototype's names never reach the DTO's whitelist), never `all=true`.
    for (const polluted of [
      'constructor[prototype][all]=true',
      '__proto__[all]=true',
      'constructor[all]=true',
      'hasOwnProperty=1',
      '%5F%5Fproto%5F%5F[all]=true',
    ]) {
      expect(await total(`${mine}&${polluted}`)).toBe(400);
    }
    expect(await total(mine)).toBe(0);
    // `label=a&label[]=b` is one list of both labels (qs): none of the containers carries the second one.
    expect(await total(`${mine}&label[]=x&all=true`)).toBe(0);
    expect(await total(`${mine}&all=true`)).toBe(2);
  });

  it("a key restricted to other hosts stays refused while another key's identical query is answered from the cache", async () => {
    const [reader, restricted] = await Promise.all([newKey(), newKey({ hosts: ['e2e-elsewhere-*'] })]);
    const query = `${LIST}?${mine}&all=true&limit=1`;
    expect((await get(query, reader)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => get(query, i % 2 === 0 ? reader : restricted)));
    answers.forEach((answer, i) => {
      if (i % 2 === 0) expect(answer.status, answer.text).toBe(200);
      else expectProblem(answer, 404, 'HOST_NOT_FOUND');
    });
  });

  it("starts a polling connection's engine read early only after its own success: never for another credential, one at most for a revoked or rate-limited key, and never an older answer", async () => {
    /** The engine's container lists Berth has made so far (`berth_engine_call_duration_seconds`, host local). */
    const engineLists = async () => {
      const metrics = await api(berth.url, '/metrics', { token: berth.token });
      return (metrics.text as string)
        .split('\n')
        .filter((line) => line.startsWith('berth_engine_call_duration_seconds_count{') && line.includes('operation="container.list"'))
        .filter((line) => line.includes('host="local"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    };
    /** One kept-alive connection, as a poller's (or a proxy's, for all its users). */
    const connection = new Agent({ keepAlive: true, maxSockets: 1 });
    const poll = (token?: string) =>
      new Promise<{ status: number; total?: number }>((resolve, reject) => {
        const headers = token ? { authorization: `Bearer ${token}` } : undefined;
        httpRequest(`${berth.url}${LIST}?${mine}&all=true`, { agent: connection, headers }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, total: (JSON.parse(text) as { total?: number }).total }));
        })
          .on('error', reject)
          .end();
      });
    try {
      const created = await api(berth.url, '/api/v1/auth/api-keys', {
        method: 'POST',
        token: berth.token,
        body: { name: `poller-${runId}`, role: 'viewer' },
      });
      expect(created.status, created.text).toBe(201);
      const key = created.body.key as string;
      let before = await engineLists();
      // The second and third start their read as they arrive: one engine read each all the same.
      for (let i = 0; i < 3; i += 1) expect((await poll(key)).status).toBe(200);
      expect(await engineLists()).toBe(before + 3);
      // Another credential on the same connection (no credential, a key of hosts elsewhere) starts none.
      before = await engineLists();
      expect((await poll()).status).toBe(401);
      expect((await poll(key)).status).toBe(200);
      expect((await poll(await newKey({ hosts: ['e2e-elsewhere-*'] }))).status).toBe(404);
      expect(await engineLists()).toBe(before + 1);

      // A container created between two polls is in the second, early read or not.
      const { total } = await poll(key);
      await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(runId) });
      expect(await poll(key)).toEqual({ status: 200, total: total! + 1 });

      expect((await api(berth.url, `/api/v1/auth/api-keys/${created.body.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
      before = await engineLists();
      // Refused at once; the first refusal's early read is dropped, and no refusal starts another.
      for (let i = 0; i < 3; i += 1) expect((await poll(key)).status).toBe(401);
      expect(await engineLists()).toBe(before + 1);

      const limited = await newKey();
      before = await engineLists();
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMIT + 5; i += 1) statuses.push((await poll(limited)).status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_LIMIT);
      expect(statuses.slice(RATE_LIMIT)).toEqual(Array(5).fill(429));
      expect(await engineLists()).toBe(before + RATE_LIMIT + 1);
    } finally {
      connection.destroy();
    }
  });
});

describe('the direct container list while the engine is down', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth({ env: { DOCKER_HOST: 'unix:///nonexistent/berth-direct-attack.sock', BERTH_ENGINE_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('answers 503 ENGINE_UNAVAILABLE with Retry-After, as the Nest route does, and keeps serving', async () => {
    const direct = await api(berth.url, `${LIST}?all=true`, { token: berth.token });
    const nest = await api(berth.url, viaNest(`${LIST}?all=true`), { token: berth.token });
    expectProblem(direct, 503, 'ENGINE_UNAVAILABLE');
    expect(direct.headers.get('retry-after')).toBe(nest.headers.get('retry-after'));
    expect({ ...direct.body, instance: undefined, requestId: undefined }).toEqual({
      ...nest.body,
      instance: undefined,
      requestId: undefined,
    });
    expect((await api(berth.url, '/healthz')).status).toBe(200);
  });
});
