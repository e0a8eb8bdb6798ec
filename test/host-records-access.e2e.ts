import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, createUser, login, startBerth } from './support/berth.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/**
 * Attacks on host records (issue 15) by an admin whose reach is cut per host: an API key restricted to
 * other hosts, and an admin with a lower grant on one host. A record is an admin's on that host only:
 * repointing, relabelling or deleting a host hidden from the caller was open to any global admin credential.
 * The records point at a closed port: no engine is needed (they stay down).
 */
describe('host records are changed only by an admin on that host', () => {
  let berth: BerthProcess;
  const suffix = randomBytes(3).toString('hex');
  const hidden = `e2e-hidden-${suffix}`;
  const staging = `e2e-staging-${suffix}`;
  const record = (id: string) => ({ id, url: 'tcp://127.0.0.1:9', plainHttp: true, labels: { env: 'prod' } });
  const asAdmin = (path: string, init: Parameters<typeof api>[2] = {}) => api(berth.url, path, { token: berth.token, ...init });

  beforeAll(async () => {
    berth = await startBerth();
    for (const id of [hidden, staging]) {
      const created = await asAdmin('/api/v1/hosts', { method: 'POST', body: record(id) });
      expect(created.status, created.text).toBe(201);
    }
  });
  afterAll(async () => {
    await berth?.stop();
  });

  /** The admin's view of the record: what an attack must leave as it was. */
  const recordOf = async (id: string) => {
    const host = await asAdmin(`/api/v1/hosts/${id}`);
    expect(host.status, host.text).toBe(200);
    return { url: host.body.url, labels: host.body.labels, name: host.body.name };
  };

  it('an admin API key restricted to other hosts cannot repoint, relabel, delete or shadow a host it cannot see (404/403, nothing changes)', async () => {
    const key = await asAdmin('/api/v1/auth/api-keys', {
      method: 'POST',
      body: { name: 'staging only', role: 'admin', hosts: ['e2e-staging-*'] },
    });
    expect(key.status, key.text).toBe(201);
    const token = key.body.key as string;
    const before = await recordOf(hidden);

    expectProblem(await api(berth.url, `/api/v1/hosts/${hidden}`, { token }), 404, 'HOST_NOT_FOUND');
    expectProblem(
      await api(berth.url, `/api/v1/hosts/${hidden}`, { method: 'PATCH', token, body: { url: 'tcp://127.0.0.1:10', labels: {} } }),
      404,
      'HOST_NOT_FOUND',
    );
    expectProblem(await api(berth.url, `/api/v1/hosts/${hidden}`, { method: 'DELETE', token }), 404, 'HOST_NOT_FOUND');
    // A create of an id outside the key's hosts: 403 before the insert, so HOST_EXISTS tells nothing of the hidden one.
    expectProblem(await api(berth.url, '/api/v1/hosts', { method: 'POST', token, body: record(hidden) }), 403, 'FORBIDDEN');
    expectProblem(await api(berth.url, '/api/v1/hosts', { method: 'POST', token, body: record(`e2e-other-${suffix}`) }), 403, 'FORBIDDEN');
    expect(await recordOf(hidden)).toEqual(before);
    expectProblem(await asAdmin(`/api/v1/hosts/e2e-other-${suffix}`), 404, 'HOST_NOT_FOUND');

    // Within its hosts the key is an admin: it renames the host it may see.
    const renamed = await api(berth.url, `/api/v1/hosts/${staging}`, { method: 'PATCH', token, body: { name: 'Staging' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.url).toBe('tcp://127.0.0.1:9');
  });

  it('an admin with a viewer grant on a host reads it without its url and cannot change, relabel or delete it (403)', async () => {
    const user = await createUser(berth, 'admin');
    const grants = await asAdmin(`/api/v1/users/${user.id}/host-roles`, {
      method: 'PUT',
      body: {
        grants: [
          { label: 'env=prod', role: 'viewer' },
          { host: 'e2e-staging-*', role: 'admin' },
        ],
      },
    });
    expect(grants.status, grants.text).toBe(200);
    const token = await login(berth.url, user);
    const before = await recordOf(hidden);

    const seen = await api(berth.url, `/api/v1/hosts/${hidden}`, { token });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body).not.toHaveProperty('url');
    expect((await api(berth.url, '/api/v1/hosts', { token })).body.find((h: { id: string }) => h.id === hidden)).not.toHaveProperty('url');
    expectProblem(
      await api(berth.url, `/api/v1/hosts/${hidden}`, { method: 'PATCH', token, body: { url: 'tcp://127.0.0.1:10' } }),
      403,
      'FORBIDDEN',
    );
    // Dropping the label its grant matches would make the caller a global admin there.
    expectProblem(await api(berth.url, `/api/v1/hosts/${hidden}`, { method: 'PATCH', token, body: { labels: {} } }), 403, 'FORBIDDEN');
    expectProblem(await api(berth.url, `/api/v1/hosts/${hidden}`, { method: 'DELETE', token }), 403, 'FORBIDDEN');
    expect(await recordOf(hidden)).toEqual(before);
  });

  it('an admin by a label grant may not relabel the host into labels where they are not admin (403, nothing changes)', async () => {
    const dev = `e2e-dev-${suffix}`;
    expect((await asAdmin('/api/v1/hosts', { method: 'POST', body: { ...record(dev), labels: { env: 'dev' } } })).status).toBe(201);
    const user = await createUser(berth, 'admin');
    const grants = [
      { label: 'env=dev', role: 'admin' },
      { label: 'env=prod', role: 'viewer' },
    ];
    expect((await asAdmin(`/api/v1/users/${user.id}/host-roles`, { method: 'PUT', body: { grants } })).status).toBe(200);
    const token = await login(berth.url, user);
    const patch = (body: object) => api(berth.url, `/api/v1/hosts/${dev}`, { method: 'PATCH', token, body });
    const before = await recordOf(dev);
    expectProblem(await patch({ labels: { env: 'prod' } }), 403, 'FORBIDDEN');
    expect(await recordOf(dev)).toEqual(before);
    expect((await patch({ labels: { env: 'dev', team: 'web' } })).status).toBe(200);
    expect((await patch({ name: 'Dev' })).status).toBe(200);
  });

  it('POST /hosts/{id}/test takes the role on that host: a viewer with an operator grant there may, an operator with a viewer grant there may not (403)', async () => {
    const granted = async (role: 'viewer' | 'operator', grant: 'viewer' | 'operator') => {
      const user = await createUser(berth, role);
      const grants = [{ host: staging, role: grant }];
      expect((await asAdmin(`/api/v1/users/${user.id}/host-roles`, { method: 'PUT', body: { grants } })).status).toBe(200);
      return login(berth.url, user);
    };
    const test = async (token: string) => api(berth.url, `/api/v1/hosts/${staging}/test`, { method: 'POST', token });
    // The record points at a closed port: the test runs, and says so.
    const operatorThere = await test(await granted('viewer', 'operator'));
    expect([operatorThere.status, operatorThere.body.ok], operatorThere.text).toEqual([200, false]);
    expectProblem(await test(await granted('operator', 'viewer')), 403, 'FORBIDDEN');
  });

  it('a viewer’s API key restricted to a glob of many stars does not hang Berth (its globs were regular expressions that backtracked)', async () => {
    // A long host id: `^.*.*…x$` backtracked for seconds on `local` and for ever on an id of 20 characters.
    const longId = `e2e-glob-${suffix}-a-rather-long-host-id`;
    expect((await asAdmin('/api/v1/hosts', { method: 'POST', body: record(longId) })).status).toBe(201);
    try {
      const viewer = await createUser(berth, 'viewer');
      const token = await login(berth.url, viewer);
      const key = await api(berth.url, '/api/v1/auth/api-keys', {
        method: 'POST',
        token,
        body: { name: 'stars', role: 'viewer', hosts: [`${'*'.repeat(62)}x`] },
      });
      expect(key.status, key.text).toBe(201);
      const hosts = await api(berth.url, '/api/v1/hosts', { token: key.body.key });
      expect([hosts.status, hosts.body]).toEqual([200, []]);
      expectProblem(await api(berth.url, `/api/v1/hosts/${longId}/info`, { token: key.body.key }), 404, 'HOST_NOT_FOUND');
      expect((await api(berth.url, '/healthz')).status).toBe(200);
    } finally {
      await asAdmin(`/api/v1/hosts/${longId}`, { method: 'DELETE' });
    }
  });

  it('/readyz (public) counts host records down, never which nor why (ids, TLS, host key, addresses are for GET /hosts)', async () => {
    const seen = await until(
      async () => {
        const ready = await api(berth.url, '/readyz');
        return /down: [1-9]/.test(ready.body?.checks?.hosts ?? '') && ready;
      },
      'the first check of the record',
      { timeoutMs: 30_000 },
    );
    expect(seen.status).toBe(200);
    expect(seen.text).not.toContain(hidden);
    expect((await asAdmin(`/api/v1/hosts/${hidden}`)).body.status).toMatchObject({
      state: 'down',
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('/metrics shows a key restricted to some hosts the engine calls of those hosts only', async () => {
    const hiddenSample = `host="${hidden}"`;
    await until(async () => (await asAdmin('/metrics')).text.includes(hiddenSample), 'engine calls of the hidden record counted', {
      timeoutMs: 30_000,
    });
    const key = await asAdmin('/api/v1/auth/api-keys', {
      method: 'POST',
      body: { name: 'staging metrics', role: 'viewer', hosts: ['e2e-staging-*'] },
    });
    expect(key.status, key.text).toBe(201);
    const seen = await api(berth.url, '/metrics', { token: key.body.key });
    expect(seen.status).toBe(200);
    expect(seen.text).toContain('berth_http_requests_total');
    expect(seen.text).not.toContain(hiddenSample);
    expect(seen.text).not.toContain('host="local"');
    expect(seen.text).toContain(`host="${staging}"`);
  });

  it('an unrestricted admin still creates, changes and deletes records', async () => {
    const id = `e2e-free-${suffix}`;
    expect((await asAdmin('/api/v1/hosts', { method: 'POST', body: record(id) })).status).toBe(201);
    const changed = await asAdmin(`/api/v1/hosts/${id}`, { method: 'PATCH', body: { labels: { env: 'dev' } } });
    expect([changed.status, changed.body.labels]).toEqual([200, { env: 'dev' }]);
    expect((await asAdmin(`/api/v1/hosts/${id}`, { method: 'DELETE' })).status).toBe(204);
    for (const host of [hidden, staging]) expect((await asAdmin(`/api/v1/hosts/${host}`, { method: 'DELETE' })).status).toBe(204);
  });
});
