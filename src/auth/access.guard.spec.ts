import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { Public, RequireRole } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AccessGuard } from './access.guard.js';
import { Authenticator } from './authenticator.js';

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
};

class FakeAuthenticator extends Authenticator {
  async authenticate(credential: string) {
    return principals[credential] ?? null;
  }
  onRevoked() {
    return () => undefined;
  }
}

function contextFor(handler: keyof Routes, authorization?: string) {
  const request: Record<string, any> = { headers: authorization === undefined ? {} : { authorization } };
  const context = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

const guard = new AccessGuard(new Reflector(), new FakeAuthenticator());

async function problemOf(handler: keyof Routes, authorization?: string): Promise<ProblemException | undefined> {
  try {
    await guard.canActivate(contextFor(handler, authorization).context);
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
});
