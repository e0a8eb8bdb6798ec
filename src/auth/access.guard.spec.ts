import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { Public, RequireRole } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import { AccessGuard } from './access.guard.js';
import { Authenticator, type Revocation } from './authenticator.js';
import { HostAccess } from './host-access.js';

@Controller()
class Routes {
  @Get() @Public() open() {}
  @Get() @RequireRole('viewer') read() {}
  @Post() @RequireRole('operator') change() {}
  @Post() @RequireRole('viewer', { userSession: true }) ownCredentials() {}
  @Get() forgotten() {}
}

const principals: Record<string, Principal> = {
  'viewer-key': { kind: 'apiKey', userId: 'u1', username: 'v', role: 'viewer', apiKeyId: 'k1' },
  'operator-token': { kind: 'user', userId: 'u2', username: 'o', role: 'operator' },
  'operator-key': { kind: 'apiKey', userId: 'u2', username: 'o', role: 'operator', apiKeyId: 'k2' },
  'viewer-operator-on-local': {
    kind: 'user',
    userId: 'u3',
    username: 'g',
    role: 'viewer',
    hostGrants: [{ host: 'local', role: 'operator' }],
  },
  'operator-viewer-on-prod': {
    kind: 'user',
    userId: 'u4',
    username: 'p',
    role: 'operator',
    hostGrants: [{ label: 'env=prod', role: 'viewer' }],
  },
  'admin-none-on-local': { kind: 'user', userId: 'u5', username: 'n', role: 'admin', hostGrants: [{ host: 'l*', role: 'none' }] },
  'key-for-staging': { kind: 'apiKey', userId: 'u6', username: 's', role: 'operator', apiKeyId: 'k6', keyHosts: ['staging-*'] },
};

class FakeAuthenticator extends Authenticator {
  readonly listeners = new Set<(revocation: Revocation) => void>();
  async authenticate(credential: string) {
    return principals[credential] ?? null;
  }
  onRevoked(listener: (revocation: Revocation) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  revoke(revocation: Revocation) {
    for (const listener of [...this.listeners]) listener(revocation);
  }
  revokedSince() {
    return false;
  }
}

function contextFor(handler: keyof Routes, authorization?: string, host?: string) {
  const request: Record<string, any> = {
    headers: authorization === undefined ? {} : { authorization },
    ...(host !== undefined && { route: { path: '/api/v1/hosts/:host/containers' }, params: { host } }),
  };
  const response = Object.assign(new EventEmitter(), { headersSent: false, destroy: vi.fn() });
  const context = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { context, request, response };
}

const engines = [
  { host: { id: 'local', name: 'local', url: 'unix:///var/run/docker.sock' } },
  { host: { id: 'prod-1', name: 'prod-1', url: 'tcp://10.0.0.1:2376', labels: { env: 'prod' } } },
  { host: { id: 'staging-1', name: 'staging-1', url: 'tcp://10.0.0.2:2376' } },
] as Engine[];
const authenticator = new FakeAuthenticator();
const guard = new AccessGuard(new Reflector(), authenticator, new DockerHosts(engines), new HostAccess());

async function problemOf(handler: keyof Routes, authorization?: string, host?: string): Promise<ProblemException | undefined> {
  try {
    await guard.canActivate(contextFor(handler, authorization, host).context);
    return undefined;
  } catch (error) {
    return error as ProblemException;
  }
}

describe('AccessGuard', () => {
  it('lets public routes through without credentials', async () => {
    expect(await problemOf('open')).toBeUndefined();
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b'])('answers 401 with a Bearer challenge for %j', async (header) => {
    const problem = await problemOf('read', header);
    expect(problem).toMatchObject({ code: 'UNAUTHENTICATED', problem: { headers: { 'WWW-Authenticate': 'Bearer realm="berth"' } } });
    expect(problem!.getStatus()).toBe(401);
  });

  it('answers 401 invalid_token for a credential that does not check out', async () => {
    const problem = await problemOf('read', 'Bearer nonsense');
    expect(problem!.getStatus()).toBe(401);
    expect(problem!.problem.headers!['WWW-Authenticate']).toBe('Bearer realm="berth", error="invalid_token"');
  });

  it('sets the principal and enforces the role', async () => {
    const { context, request } = contextFor('read', 'bearer viewer-key');
    expect(await guard.canActivate(context)).toBe(true);
    expect(request.principal).toEqual(principals['viewer-key']);
    expect(await problemOf('change', 'Bearer viewer-key')).toMatchObject({ code: 'FORBIDDEN' });
    expect(await problemOf('change', 'Bearer operator-key')).toBeUndefined();
  });

  it('cuts an answer already streaming when its access ends; leaves one not begun, and forgets it once closed', async () => {
    const streaming = contextFor('read', 'Bearer viewer-key');
    const unanswered = contextFor('read', 'Bearer viewer-key');
    const other = contextFor('read', 'Bearer operator-key');
    for (const { context } of [streaming, unanswered, other]) await guard.canActivate(context);
    streaming.response.headersSent = true;
    other.response.headersSent = true;
    authenticator.revoke({ apiKeyId: 'k1' });
    expect(streaming.response.destroy).toHaveBeenCalledTimes(1);
    expect(unanswered.response.destroy).not.toHaveBeenCalled();
    expect(other.response.destroy).not.toHaveBeenCalled();
    other.response.emit('close');
    authenticator.revoke({ apiKeyId: 'k2' });
    expect(other.response.destroy).not.toHaveBeenCalled();
  });

  it('keeps credential management to user sessions', async () => {
    expect(await problemOf('ownCredentials', 'Bearer operator-token')).toBeUndefined();
    const problem = await problemOf('ownCredentials', 'Bearer operator-key');
    expect(problem!.getStatus()).toBe(403);
  });

  it('denies a route that names no role: 401 without credentials, 403 with them', async () => {
    expect((await problemOf('forgotten'))!.getStatus()).toBe(401);
    expect(await problemOf('forgotten', 'Bearer operator-token')).toMatchObject({
      code: 'FORBIDDEN',
      detail: 'This route is not open to any role.',
    });
  });

  describe('on a route under a host', () => {
    it.each([
      ['a viewer with operator on local, changing local', 'viewer-operator-on-local', 'change', 'local', undefined],
      ['a viewer with operator on local, changing prod-1', 'viewer-operator-on-local', 'change', 'prod-1', 403],
      ['an operator with viewer on env=prod, reading prod-1', 'operator-viewer-on-prod', 'read', 'prod-1', undefined],
      ['an operator with viewer on env=prod, changing prod-1', 'operator-viewer-on-prod', 'change', 'prod-1', 403],
      ['an operator with viewer on env=prod, changing local', 'operator-viewer-on-prod', 'change', 'local', undefined],
      ['an admin with none on l*, reading local', 'admin-none-on-local', 'read', 'local', 404],
      ['an admin with none on l*, changing prod-1', 'admin-none-on-local', 'change', 'prod-1', undefined],
      ['a key restricted to staging-*, reading local', 'key-for-staging', 'read', 'local', 404],
      ['a key restricted to staging-*, changing staging-1', 'key-for-staging', 'change', 'staging-1', undefined],
      ['anyone, on a host that does not exist', 'operator-token', 'read', 'nowhere', 404],
    ] as const)('%s: %s', async (_case, credential, handler, host, status) => {
      const problem = await problemOf(handler, `Bearer ${credential}`, host);
      expect(problem?.getStatus()).toBe(status);
      if (status === 404) expect(problem).toMatchObject({ code: 'HOST_NOT_FOUND', detail: `No host '${host}'.` });
    });

    it('hands the handler the principal with its role on the host, and leaves routes under no host to the global role', async () => {
      const { context, request } = contextFor('change', 'Bearer viewer-operator-on-local', 'local');
      expect(await guard.canActivate(context)).toBe(true);
      expect(request.principal).toMatchObject({ userId: 'u3', role: 'operator' });
      expect(await problemOf('change', 'Bearer viewer-operator-on-local')).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('checks the host only on routes under /api/v1/hosts/:host/', async () => {
      const { context, request } = contextFor('read', 'Bearer admin-none-on-local');
      Object.assign(request, { route: { path: '/api/v1/hosts/:host' }, params: { host: 'local' } });
      expect(await guard.canActivate(context)).toBe(true);
      expect(request.principal.role).toBe('admin');
    });
  });
});
