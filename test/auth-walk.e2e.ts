import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, createUser, credentialFor, login, startBerth } from './support/berth.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { signJwt } from './support/jwt.js';
import { concretePath, isPublic, roleAllows, specOperations } from './support/openapi.js';

// Walks the committed spec, so an operation added later without a role fails here.
const operations = specOperations();
const guarded = operations.filter((op) => !isPublic(op));
const describeOp = (op: { method: string; path: string }) => `${op.method} ${op.path}`;

describe('every operation in openapi/openapi.json without a valid credential', () => {
  const secret = randomBytes(32).toString('hex');
  let berth: BerthProcess;
  const badCredentials: Record<string, string | undefined> = { none: undefined };

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_JWT_SECRET: secret } });
    const me = await api(berth.url, '/api/v1/auth/me', { token: berth.token });
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: me.body.user.id, ver: 0, iss: 'berth', iat: now - 120 };
    // The same claims, signed the same way, work while unexpired: the expired one fails for its expiry only.
    expect((await api(berth.url, '/api/v1/auth/me', { token: signJwt({ ...claims, exp: now + 60 }, secret) })).status).toBe(200);
    badCredentials['an expired token'] = signJwt({ ...claims, exp: now - 60 }, secret);
    badCredentials['a token signed with another secret'] = signJwt({ ...claims, exp: now + 60 }, randomBytes(32).toString('hex'));
    badCredentials['garbage'] = 'garbage';
    badCredentials['an unknown API key'] = `berth_${randomBytes(32).toString('base64url')}`;

    const revoked = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'revoked' } });
    expect((await api(berth.url, '/api/v1/auth/me', { token: revoked.body.key })).status).toBe(200);
    expect((await api(berth.url, `/api/v1/auth/api-keys/${revoked.body.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    badCredentials['a revoked API key'] = revoked.body.key;

    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const expiring = await api(berth.url, '/api/v1/auth/api-keys', {
      method: 'POST',
      token: berth.token,
      body: { name: 'expiring', expiresAt },
    });
    expect((await api(berth.url, '/api/v1/auth/me', { token: expiring.body.key })).status).toBe(200);
    badCredentials['an expired API key'] = expiring.body.key;

    const disabled = await createUser(berth, 'admin');
    const disabledToken = await login(berth.url, disabled);
    const disabledKey = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: disabledToken, body: { name: 'disabled' } });
    const disable = await api(berth.url, `/api/v1/users/${disabled.id}`, { method: 'PATCH', token: berth.token, body: { disabled: true } });
    expect(disable.status).toBe(200);
    badCredentials["a disabled user's token"] = disabledToken;
    badCredentials["a disabled user's API key"] = disabledKey.body.key;

    // Same machine, same clock: once this passes, the key's expiry has passed for Berth too.
    await until(() => Date.now() > Date.parse(expiresAt), 'the key to expire');
  });
  afterAll(() => berth?.stop());

  it('declares the bearer scheme and a role on every operation that is not public', () => {
    expect(guarded.length).toBeGreaterThan(10);
    const undeclared = guarded.filter((op) => !op.secured || !op.role).map(describeOp);
    expect(undeclared).toEqual([]);
  });

  it('answers 401 UNAUTHENTICATED with a Bearer challenge: no, garbage, expired, revoked, disabled credentials', async () => {
    const failures: string[] = [];
    for (const op of guarded) {
      for (const [name, credential] of Object.entries(badCredentials)) {
        const response = await api(berth.url, concretePath(op.path), { method: op.method, token: credential });
        const challenge = response.headers.get('www-authenticate') ?? '';
        if (response.status !== 401 || response.body?.code !== 'UNAUTHENTICATED' || !challenge.startsWith('Bearer')) {
          failures.push(`${describeOp(op)} with ${name}: ${response.status} ${response.body?.code ?? ''} ${challenge}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets the public operations through without credentials', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await api(berth.url, path)).status).toBe(200);
    expect((await fetch(`${berth.url}/docs/`)).status).toBe(200);
    expectProblem(
      await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: 'nobody', password: 'x' } }),
      401,
      'UNAUTHENTICATED',
    );
  });
});

describe('roles', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(() => berth?.stop());

  /** Calls every operation above `role` (and every user-session one) with an API key of that role: each must be 403 before it does anything. */
  async function expectDeniedAbove(role: 'viewer' | 'operator', key: string, walked = guarded): Promise<string[]> {
    const denied: string[] = [];
    const failures: string[] = [];
    for (const op of walked) {
      if (roleAllows(role, op.role!) && !op.userSession) continue;
      const response = await api(berth.url, concretePath(op.path), {
        method: op.method,
        token: key,
        body: op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
      });
      if (response.status === 403 && response.body.code === 'FORBIDDEN') denied.push(describeOp(op));
      else failures.push(`${describeOp(op)}: ${response.status} ${response.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    return denied;
  }

  it('a viewer key reads what viewers may read, and gets 403 on every mutation and everything above viewer', async () => {
    const key = await credentialFor(berth, 'viewer');
    const reads = guarded.filter((op) => op.method === 'GET' && roleAllows('viewer', op.role!));
    expect(reads.length).toBeGreaterThan(3);
    for (const op of reads) {
      const response = await api(berth.url, concretePath(op.path), { token: key });
      expect([401, 403], `${describeOp(op)} answered ${response.status}`).not.toContain(response.status);
    }
    expect((await api(berth.url, '/api/v1/hosts/local/info', { token: key })).status).toBe(200);

    const denied = await expectDeniedAbove('viewer', key);
    const mutations = guarded.filter((op) => op.method !== 'GET');
    // Every mutation in the spec is above a viewer key, except ones a viewer needs to read (WS tickets, a prune plan: it
    // changes nothing), a job's cancel, which asks for operator on the job's host (host-roles.e2e.ts: a viewer gets 403),
    // and a host record's test, which asks for operator on that host (host-records-access.e2e.ts: a viewer gets 403).
    const allowedMutations = mutations.filter((op) => !denied.includes(describeOp(op))).map(describeOp);
    const viewersMay = /\/ws\/tickets$|\/prune\/plan$|^DELETE \/api\/v1\/jobs\/\{id\}$|^POST \/api\/v1\/hosts\/\{id\}\/test$/;
    expect(allowedMutations.filter((op) => !viewersMay.test(op))).toEqual([]);
    expectProblem(await api(berth.url, '/api/v1/hosts/local/test', { method: 'POST', token: key }), 403, 'FORBIDDEN');
    expect(denied).toEqual(expect.arrayContaining(['POST /api/v1/users', 'POST /api/v1/auth/api-keys', 'GET /api/v1/audit']));
  });

  it('an operator key gets 403 on everything that needs admin: users, audit', async () => {
    const denied = await expectDeniedAbove('operator', await credentialFor(berth, 'operator'));
    expect(denied).toEqual(
      expect.arrayContaining([
        'GET /api/v1/users',
        'POST /api/v1/users',
        'PATCH /api/v1/users/{id}',
        'DELETE /api/v1/users/{id}',
        'GET /api/v1/audit',
      ]),
    );
  });

  describe('with per-host grants', () => {
    const underHost = guarded.filter((op) => op.path.startsWith('/api/v1/hosts/{host}/'));
    /** A user with a global role and grants, logged in; with `keyRole`, an API key of theirs instead. */
    const grantee = async (role: 'viewer' | 'operator' | 'admin', grants: object[], keyRole?: 'viewer' | 'operator') => {
      const user = await createUser(berth, role);
      const put = await api(berth.url, `/api/v1/users/${user.id}/host-roles`, { method: 'PUT', token: berth.token, body: { grants } });
      expect(put.status, put.text).toBe(200);
      const token = await login(berth.url, user);
      if (!keyRole) return token;
      const key = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: 'walk', role: keyRole } });
      expect(key.status, key.text).toBe(201);
      return key.body.key as string;
    };

    it('walks the routes under a host', () => {
      expect(underHost.length).toBeGreaterThan(30);
    });

    it('a global admin with viewer on local gets 403 on every route under local above viewer, and reads the rest', async () => {
      const token = await grantee('admin', [{ host: 'local', role: 'viewer' }]);
      const denied = await expectDeniedAbove('viewer', token, underHost);
      expect(denied).toEqual(expect.arrayContaining(['POST /api/v1/hosts/{host}/containers', 'POST /api/v1/hosts/{host}/prune']));
      for (const op of underHost.filter((o) => o.method === 'GET' && roleAllows('viewer', o.role!))) {
        const response = await api(berth.url, concretePath(op.path), { token });
        expect([401, 403], `${describeOp(op)} answered ${response.status}`).not.toContain(response.status);
        expect(response.body?.code, describeOp(op)).not.toBe('HOST_NOT_FOUND');
      }
      // Routes under no host keep the global role.
      expect((await api(berth.url, '/api/v1/users', { token })).status).toBe(200);
    });

    it('a global operator key whose owner has none on local gets 404 HOST_NOT_FOUND on every route under local, whatever the method', async () => {
      const key = await grantee(
        'operator',
        [
          { label: 'unused=1', role: 'viewer' },
          { host: 'l*', role: 'none' },
        ],
        'operator',
      );
      const failures: string[] = [];
      for (const op of underHost) {
        const response = await api(berth.url, concretePath(op.path), {
          method: op.method,
          token: key,
          body: op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
        });
        if (response.status !== 404 || response.body?.code !== 'HOST_NOT_FOUND')
          failures.push(`${describeOp(op)}: ${response.status} ${response.text.slice(0, 120)}`);
      }
      expect(failures).toEqual([]);
    });

    it('a global viewer with operator on local: an operator key of theirs reads local, and is a viewer on routes under no host', async () => {
      const key = await grantee('viewer', [{ host: 'local', role: 'operator' }], 'operator');
      for (const op of underHost.filter((o) => o.method === 'GET')) {
        const response = await api(berth.url, concretePath(op.path), { token: key });
        expect([401, 403], `${describeOp(op)} answered ${response.status}`).not.toContain(response.status);
      }
      const elsewhere = guarded.filter((op) => !op.path.startsWith('/api/v1/hosts/{host}/'));
      const denied = await expectDeniedAbove('viewer', key, elsewhere);
      expect(denied).toEqual(expect.arrayContaining(['GET /api/v1/registries', 'POST /api/v1/registries']));
    });
  });

  it('an operator cannot manage users, even with a login token; an admin can', async () => {
    const operator = await credentialFor(berth, 'operator', { kind: 'token' });
    const target = await createUser(berth, 'viewer');
    expectProblem(await api(berth.url, '/api/v1/users', { token: operator }), 403, 'FORBIDDEN');
    expectProblem(
      await api(berth.url, '/api/v1/users', {
        method: 'POST',
        token: operator,
        body: { username: 'x-op', password: 'a-long-password', role: 'admin' },
      }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await api(berth.url, `/api/v1/users/${target.id}`, { method: 'PATCH', token: operator, body: { role: 'admin' } }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await api(berth.url, `/api/v1/users/${target.id}`, { method: 'DELETE', token: operator }), 403, 'FORBIDDEN');
    expect((await api(berth.url, `/api/v1/users/${target.id}`, { token: berth.token })).body.role).toBe('viewer');

    const created = await api(berth.url, '/api/v1/users', {
      method: 'POST',
      token: berth.token,
      body: { username: `crud-${randomBytes(3).toString('hex')}`, password: 'a-long-password', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      username: expect.any(String),
      role: 'viewer',
      disabled: false,
      hostRoles: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created.body).not.toHaveProperty('password');
    expect(created.body).not.toHaveProperty('passwordHash');
    expectProblem(
      await api(berth.url, '/api/v1/users', {
        method: 'POST',
        token: berth.token,
        body: { username: created.body.username, password: 'a-long-password', role: 'viewer' },
      }),
      409,
      'USERNAME_TAKEN',
    );
    const listed = await api(berth.url, '/api/v1/users', { token: berth.token });
    expect(listed.body.map((u: { id: string }) => u.id)).toContain(created.body.id);
    const promoted = await api(berth.url, `/api/v1/users/${created.body.id}`, {
      method: 'PATCH',
      token: berth.token,
      body: { role: 'operator' },
    });
    expect(promoted.body.role).toBe('operator');
    expect((await api(berth.url, `/api/v1/users/${created.body.id}`, { method: 'DELETE', token: berth.token })).status).toBe(204);
    expectProblem(await api(berth.url, `/api/v1/users/${created.body.id}`, { token: berth.token }), 404, 'USER_NOT_FOUND');
    expectProblem(await api(berth.url, '/api/v1/users/not-a-uuid', { token: berth.token }), 404, 'USER_NOT_FOUND');
  });

  it('keeps the last enabled admin: no delete, demote or disable', async () => {
    const me = await api(berth.url, '/api/v1/auth/me', { token: berth.token });
    const self = `/api/v1/users/${me.body.user.id}`;
    // Any other admins this file made are disabled by now or demoted here, so `admin` is the last.
    const others = (await api(berth.url, '/api/v1/users', { token: berth.token })).body.filter(
      (u: { id: string; role: string; disabled: boolean }) => u.role === 'admin' && !u.disabled && u.id !== me.body.user.id,
    );
    for (const other of others)
      await api(berth.url, `/api/v1/users/${other.id}`, { method: 'PATCH', token: berth.token, body: { role: 'viewer' } });

    expectProblem(await api(berth.url, self, { method: 'DELETE', token: berth.token }), 409, 'LAST_ADMIN');
    expectProblem(await api(berth.url, self, { method: 'PATCH', token: berth.token, body: { role: 'operator' } }), 409, 'LAST_ADMIN');
    expectProblem(await api(berth.url, self, { method: 'PATCH', token: berth.token, body: { disabled: true } }), 409, 'LAST_ADMIN');
    expect((await api(berth.url, '/api/v1/auth/me', { token: berth.token })).body.role).toBe('admin');

    // With a second admin, the first may step down.
    const second = await createUser(berth, 'admin');
    const demoted = await api(berth.url, `/api/v1/users/${second.id}`, { method: 'PATCH', token: berth.token, body: { role: 'viewer' } });
    expect(demoted.body.role).toBe('viewer');
  });
});
