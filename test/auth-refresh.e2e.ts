import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, Credentials, auditEvents, createUser, startBerth } from './support/berth.js';
import { ApiResponse, api, expectProblem } from './support/http.js';

const REFRESH_TTL_SECONDS = 30 * 86_400;

interface Pair {
  accessToken: string;
  refreshToken: string;
}

describe('refresh tokens: rotation, reuse detection, logout', () => {
  let berth: BerthProcess;
  const secrets: string[] = [];

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(() => berth?.stop());

  const loginAs = async ({ username, password }: Credentials): Promise<Pair> => {
    const response = await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username, password } });
    expect(response.status).toBe(200);
    secrets.push(response.body.refreshToken);
    return response.body;
  };
  const refresh = (refreshToken: unknown): Promise<ApiResponse> =>
    api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken } });
  const refreshed = async (refreshToken: string): Promise<Pair> => {
    const response = await refresh(refreshToken);
    expect(response.status, response.text).toBe(200);
    secrets.push(response.body.refreshToken);
    return response.body;
  };
  const logout = (refreshToken: unknown) => api(berth.url, '/api/v1/auth/logout', { method: 'POST', body: { refreshToken } });
  const me = (token: string) => api(berth.url, '/api/v1/auth/me', { token });

  it('login answers a refresh token; a refresh answers a new pair, and the new access token works', async () => {
    const user = await createUser(berth, 'operator');
    const login = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: user.username, password: user.password },
    });
    expect(login.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: REFRESH_TTL_SECONDS, user: { id: user.id } });
    expect(login.body.refreshToken).toMatch(/^berth_rt_[A-Za-z0-9_-]{43}$/);
    secrets.push(login.body.refreshToken);

    const next = await refresh(login.body.refreshToken);
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: REFRESH_TTL_SECONDS });
    expect(next.body.refreshToken).toMatch(/^berth_rt_/);
    expect(next.body.refreshToken).not.toBe(login.body.refreshToken);
    expect(next.body.accessToken.split('.')).toHaveLength(3);
    secrets.push(next.body.refreshToken);
    expect((await me(next.body.accessToken)).body).toMatchObject({ kind: 'user', role: 'operator', user: { id: user.id } });
    // And the pair after that.
    const third = await refreshed(next.body.refreshToken);
    expect((await me(third.accessToken)).status).toBe(200);
  });

  it('reuse of a rotated token: 401 REFRESH_TOKEN_REUSED, and the newer token of the same login fails too; another login stays', async () => {
    const user = await createUser(berth, 'viewer');
    const other = await loginAs(user);
    const first = await loginAs(user);
    const second = await refreshed(first.refreshToken);
    const third = await refreshed(second.refreshToken);

    expect((await me(third.accessToken)).status).toBe(200);

    const reused = await refresh(first.refreshToken);
    expectProblem(reused, 401, 'REFRESH_TOKEN_REUSED');
    expect(reused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectProblem(await refresh(third.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await refresh(second.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
    // Two parties held the login: the access tokens it issued end as well (the newest was cached).
    for (const pair of [first, second, third]) expectProblem(await me(pair.accessToken), 401, 'UNAUTHENTICATED');
    expect((await me(other.accessToken)).status).toBe(200);
    expect((await refreshed(other.refreshToken)).refreshToken).toMatch(/^berth_rt_/);
  });

  it('two refreshes racing on one token: exactly one gets a new pair', async () => {
    const user = await createUser(berth, 'viewer');
    const { refreshToken } = await loginAs(user);
    const answers = await Promise.all([refresh(refreshToken), refresh(refreshToken), refresh(refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401]);
    for (const answer of answers.filter(({ status }) => status === 401)) expectProblem(answer, 401, 'REFRESH_TOKEN_REUSED');
  });

  it('refuses unknown, malformed and misplaced tokens', async () => {
    const { accessToken, refreshToken } = await loginAs(await createUser(berth, 'viewer'));
    expectProblem(await refresh(`berth_rt_${'A'.repeat(43)}`), 401, 'REFRESH_TOKEN_INVALID');
    // An access token is not a refresh token, nor the other way round.
    expectProblem(await refresh(accessToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await me(refreshToken), 401, 'UNAUTHENTICATED');
    expectProblem(await refresh(42), 400, 'VALIDATION_FAILED');
    expectProblem(await refresh('x'.repeat(10_000)), 400, 'VALIDATION_FAILED');
    expectProblem(await api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: {} }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken, extra: true } }),
      400,
      'VALIDATION_FAILED',
    );
    // None of those spent it.
    await refreshed(refreshToken);
  });

  it('logout revokes the login: its current token and its access tokens fail; 204 for any token, so it tells nothing', async () => {
    const user = await createUser(berth, 'viewer');
    const other = await loginAs(user);
    const first = await loginAs(user);
    const second = await refreshed(first.refreshToken);
    expect((await me(first.accessToken)).status).toBe(200);
    expect((await me(second.accessToken)).status).toBe(200);
    expect((await logout(second.refreshToken)).status).toBe(204);
    expectProblem(await refresh(second.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await me(first.accessToken), 401, 'UNAUTHENTICATED');
    expectProblem(await me(second.accessToken), 401, 'UNAUTHENTICATED');
    expect((await me(other.accessToken)).status).toBe(200);
    expect((await logout(second.refreshToken)).status).toBe(204);
    expect((await logout(`berth_rt_${'B'.repeat(43)}`)).status).toBe(204);
    expectProblem(await api(berth.url, '/api/v1/auth/logout', { method: 'POST', body: {} }), 400, 'VALIDATION_FAILED');
    await refreshed(other.refreshToken);
  });

  it('a password change ends every login of the user', async () => {
    const user = await createUser(berth, 'operator');
    const [one, two] = [await loginAs(user), await loginAs(user)];
    const changed = await api(berth.url, '/api/v1/auth/password', {
      method: 'POST',
      token: one.accessToken,
      body: { currentPassword: user.password, newPassword: 'a-new-long-password' },
    });
    expect(changed.status).toBe(204);
    expectProblem(await refresh(one.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await refresh(two.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    await loginAs({ username: user.username, password: 'a-new-long-password' });
  });

  it.each([
    ['disables', (id: string) => api(berth.url, `/api/v1/users/${id}`, { method: 'PATCH', token: berth.token, body: { disabled: true } })],
    ['deletes', (id: string) => api(berth.url, `/api/v1/users/${id}`, { method: 'DELETE', token: berth.token })],
  ])('an admin who %s a user ends their logins, access tokens included', async (_case, change) => {
    const user = await createUser(berth, 'operator');
    const { refreshToken, accessToken } = await loginAs(user);
    expect((await me(accessToken)).status).toBe(200);
    expect((await change(user.id)).status).toBeLessThan(300);
    expectProblem(await refresh(refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await me(accessToken), 401, 'UNAUTHENTICATED');
  });

  it('an admin who changes the role or host roles of a user keeps their logins: the new role applies from the next request', async () => {
    const user = await createUser(berth, 'operator');
    const { refreshToken, accessToken } = await loginAs(user);
    expect((await me(accessToken)).body.role).toBe('operator');
    const path = `/api/v1/users/${user.id}`;
    expect((await api(berth.url, path, { method: 'PATCH', token: berth.token, body: { role: 'viewer' } })).status).toBe(200);
    expect((await me(accessToken)).body.role).toBe('viewer');
    const grants = [{ host: 'local', role: 'operator' }];
    expect((await api(berth.url, `${path}/host-roles`, { method: 'PUT', token: berth.token, body: { grants } })).status).toBe(200);
    expect((await me(accessToken)).status).toBe(200);
    expect((await refreshed(refreshToken)).accessToken.split('.')).toHaveLength(3);
  });

  it('audits refreshes, keeps tokens across a restart, and stores and logs no refresh token', async () => {
    const user = await createUser(berth, 'viewer');
    const since = new Date().toISOString();
    const { refreshToken } = await refreshed((await loginAs(user)).refreshToken);
    const audited = await auditEvents(
      berth,
      `action=${encodeURIComponent('POST /api/v1/auth/refresh')}&from=${encodeURIComponent(since)}`,
      (items) => items.length >= 1,
    );
    expect(audited[0]).toMatchObject({ status: 200, actor: { userId: user.id } });

    await berth.restart();
    await refreshed(refreshToken);

    const files = ['berth.db', 'berth.db-wal'].map((name) => join(berth.dataDir, name)).filter((path) => existsSync(path));
    const text = Buffer.concat(files.map((path) => readFileSync(path))).toString('latin1');
    expect(secrets.length).toBeGreaterThan(20);
    const stored = secrets.filter((secret) => text.includes(secret.slice('berth_rt_'.length, 30)));
    expect(stored).toEqual([]);
    expect(secrets.filter((secret) => berth.output().includes(secret.slice('berth_rt_'.length, 30)))).toEqual([]);
    // What is there instead (so this test looks in the right place).
    expect(text).toContain(createHash('sha256').update(secrets.at(-1)!).digest('hex'));
  });
});

describe('the refresh limit per client address', () => {
  const PER_ADDRESS = 4;
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_AUTH_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS), BERTH_AUTH_RATE_WINDOW_MS: '600000' } });
  });
  afterAll(() => berth?.stop());

  it('counts refused tokens only: 25 refreshes in a row pass, then refused ones are limited (429), even a good one', async () => {
    const login = await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: berth.admin });
    let { refreshToken } = login.body as Pair;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const response = await api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken } });
      statuses.push(response.status);
      refreshToken = response.body.refreshToken;
    }
    expect(statuses).toEqual(Array(25).fill(200));
    const refused: number[] = [];
    for (let i = 0; i <= PER_ADDRESS; i++) {
      refused.push(
        (await api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken: `berth_rt_wrong-${i}` } })).status,
      );
    }
    expect(refused).toEqual([...Array(PER_ADDRESS).fill(401), 429]);
    const blocked = await api(berth.url, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken } });
    expectProblem(blocked, 429, 'RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
