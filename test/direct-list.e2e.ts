import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { api, expectProblem, type ApiResponse } from './support/http.js';
import { requestsCounted } from './support/metrics.js';
import { docker, newRunId, removeTestResources, TEST_IMAGE, testLabels } from './support/engine.js';

/**
 * `GET /api/v1/hosts/{host}/containers` is answered in front of Express's router (src/common/direct-route.ts, issue 14);
 * the same path with a trailing slash still goes through Nest's route. Every answer, refusals included, must be the
 * same on both: the direct route may only be faster. The containers are created, not started, so that their
 * status ("Created") does not tick between the two reads.
 */
describe('the direct container list answers as the Nest route does', () => {
  let berth: BerthProcess;
  const runId = newRunId();
  const query = `?all=true&label=berth.test.run=${runId}`;
  const list = (host = 'local') => `/api/v1/hosts/${host}/containers`;

  beforeAll(async () => {
    berth = await startBerth();
    for (let i = 0; i < 2; i += 1) await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: testLabels(runId) });
  });
  afterAll(async () => {
    await removeTestResources(runId);
    await berth?.stop();
  });

  /** What a client sees of an answer, the per-request headers and the problem's own path aside. */
  const seen = ({ status, headers, body }: ApiResponse) => ({
    status,
    type: headers.get('content-type'),
    // A problem's ETag hashes its instance and request id, which differ.
    etag: status < 400 ? headers.get('etag') : undefined,
    challenge: headers.get('www-authenticate'),
    body: typeof body === 'object' && body && 'instance' in body ? { ...body, instance: undefined, requestId: undefined } : body,
  });
  const both = async (path: string, token?: string, headers: Record<string, string> = {}) => {
    const direct = await api(berth.url, path, { token, headers });
    const nest = await api(berth.url, path.replace(/containers(\?|$)/, 'containers/$1'), { token, headers });
    expect(seen(direct)).toEqual(seen(nest));
    return direct;
  };

  it('lists the same page, with the same ETag, and answers If-None-Match with 304', async () => {
    const page = await both(list() + query, berth.token);
    expect(page.status, page.text).toBe(200);
    expect(page.body.total).toBe(2);
    const etag = page.headers.get('etag')!;
    // With its own Cache-Control: fetch would send `no-cache` along with a conditional header, which Express obeys.
    const conditional = await both(list() + query, berth.token, { 'if-none-match': etag, 'cache-control': 'max-age=0' });
    expect(conditional.status).toBe(304);
  });

  it('refuses alike: no credential (401), a bad credential (401), a bad query (400), an unknown host (404)', async () => {
    expectProblem(await both(list() + query), 401, 'UNAUTHENTICATED');
    expectProblem(await both(list() + query, 'berth_notakey'), 401, 'UNAUTHENTICATED');
    expectProblem(await both(`${list()}?limit=0`, berth.token), 400, 'VALIDATION_FAILED');
    expectProblem(await both(`${list()}?color=red`, berth.token), 400, 'VALIDATION_FAILED');
    expectProblem(await both(list('e2e-no-such-host') + query, berth.token), 404, 'HOST_NOT_FOUND');
  });

  it('a key restricted to other hosts does not see this one (404), and a revoked key is refused on its very next request', async () => {
    const restricted = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'elsewhere', role: 'viewer', hosts: ['e2e-elsewhere-*'] },
    });
    expect(restricted.status, restricted.text).toBe(201);
    expectProblem(await both(list() + query, restricted.body.key), 404, 'HOST_NOT_FOUND');

    const key = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'poller', role: 'viewer' },
    });
    expect(key.status, key.text).toBe(201);
    // Twice: the second is answered from the principal cache.
    for (let i = 0; i < 2; i += 1) expect((await api(berth.url, list() + query, { token: key.body.key })).status).toBe(200);
    const revoked = await api(berth.url, `/api/v1/auth/api-keys/${key.body.id}`, { method: 'DELETE', token: berth.token });
    expect(revoked.status).toBe(204);
    expectProblem(await api(berth.url, list() + query, { token: key.body.key }), 401, 'UNAUTHENTICATED');
  });

  it('counts its requests under the route pattern in /metrics, as the Nest route does', async () => {
    const count = () => requestsCounted(berth.url, berth.token, '/api/v1/hosts/:host/containers', 200);
    const before = await count();
    for (let i = 0; i < 3; i += 1) expect((await api(berth.url, list() + query, { token: berth.token })).status).toBe(200);
    expect(await count()).toBe(before + 3);
  });
});
