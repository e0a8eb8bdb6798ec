import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../common/principal.js';
import { AppConfig } from '../config/app-config.js';
import { ApiKeysController } from './api-keys.controller.js';
import { AuthController } from './auth.controller.js';
import { RateLimitGuard, attemptedUsername } from './rate-limit.js';
import { RateLimitBuckets } from './rate-limit-buckets.js';

/** The real routes, so that the limits their decorators declare are the ones tested. */
const ROUTES = {
  login: [AuthController, AuthController.prototype.login],
  refresh: [AuthController, AuthController.prototype.refresh],
  changePassword: [AuthController, AuthController.prototype.changePassword],
  createApiKey: [ApiKeysController, ApiKeysController.prototype.createApiKey],
} as const;
type Route = keyof typeof ROUTES;

class FakeResponse extends EventEmitter {
  statusCode = 200;
  headers: Record<string, string> = {};
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  /** Sends the answer: the guard settles its counts on 'finish'. */
  finish(status: number) {
    this.statusCode = status;
    this.emit('finish');
  }
}

interface Attempt {
  route?: Route;
  address?: string;
  body?: unknown;
  principal?: Principal;
}

describe('RateLimitGuard', () => {
  let buckets: RateLimitBuckets;
  afterEach(() => buckets?.onModuleDestroy());

  const setup = (config: Partial<AppConfig> = {}) => {
    buckets = new RateLimitBuckets();
    const guard = new RateLimitGuard(
      new Reflector(),
      new AppConfig({ authRateLimit: 3, authRateLimitPerUsername: 5, authRateLimitPerAddress: 50, ...config }),
      buckets,
    );
    /** One request through the guard, answered with `status` when it gets through; the status seen. */
    const attempt = (status: number, { route = 'login', address = '10.0.0.1', body, principal }: Attempt = {}): number => {
      const request = { ip: address, socket: {}, body: body ?? { username: 'alice', password: 'a-password' }, principal };
      const response = new FakeResponse();
      const context = {
        getType: () => 'http',
        getHandler: () => ROUTES[route][1],
        getClass: () => ROUTES[route][0],
        switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
      } as unknown as ExecutionContext;
      try {
        guard.canActivate(context);
      } catch (error) {
        return (error as { getStatus(): number }).getStatus();
      }
      response.finish(status);
      return status;
    };
    return { attempt };
  };

  it('locks out the (username, address) pair after its failures; the same username still logs in from elsewhere', () => {
    const { attempt } = setup();
    expect([401, 401, 401, 401, 401].map((status) => attempt(status))).toEqual([401, 401, 401, 429, 429]);
    expect(attempt(200)).toBe(429);
    expect(attempt(200, { address: '10.0.0.2' })).toBe(200);
    expect(attempt(401, { body: { username: 'bob', password: 'x' } })).toBe(401);
  });

  it('counts failures only: a success resets its pair, and twenty successes in a row lock no one out', () => {
    const { attempt } = setup();
    expect([401, 401, 200, 401, 401, 200].map((status) => attempt(status))).toEqual([401, 401, 200, 401, 401, 200]);
    expect(Array.from({ length: 20 }, () => attempt(200))).toEqual(Array(20).fill(200));
  });

  it('bounds a username across addresses with a higher ceiling; refused attempts do not count towards it', () => {
    const { attempt } = setup();
    const statuses = [];
    // An address adds at most 4 to the ceiling of 5 (3 failures and the attempt that locks its pair out): refused ones count nothing.
    for (const address of ['10.0.0.1', '10.0.0.2']) for (let i = 0; i < 6; i++) statuses.push(attempt(401, { address }));
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 401, 429, 429, 429, 429, 429]);
    expect(attempt(200, { address: '10.0.0.3' })).toBe(429);
    expect(attempt(401, { address: '10.0.0.3', body: { username: 'carol', password: 'x' } })).toBe(401);
  });

  it('counts wrong credentials only: a malformed body (400) is taken back, like a success', () => {
    const { attempt } = setup();
    expect([400, 400, 400, 400, 400, 401, 401, 401, 401].map((status) => attempt(status))).toEqual([
      400, 400, 400, 400, 400, 401, 401, 401, 429,
    ]);
  });

  it('limits failed logins per address across usernames', () => {
    const { attempt } = setup({ authRateLimitPerAddress: 2 });
    const statuses = ['a', 'b', 'c'].map((username) => attempt(401, { body: { username, password: 'x' } }));
    expect(statuses).toEqual([401, 401, 429]);
  });

  it("keeps a (username, address) pair to the exact address: a neighbour on one /64 does not lock another's username out", () => {
    const { attempt } = setup();
    const neighbour = { address: '2001:db8:1:2::bad' };
    expect([401, 401, 401, 401].map((status) => attempt(status, neighbour))).toEqual([401, 401, 401, 429]);
    expect(attempt(200, { address: '2001:db8:1:2::a11ce' })).toBe(200);
  });

  it('counts an IPv6 client per /64: a new address of the same network gets no fresh limit', () => {
    const { attempt } = setup({ authRateLimitPerAddress: 2 });
    const statuses = ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2:ffff::c', '2001:db8:1:3::a'].map((address, i) =>
      attempt(401, { address, body: { username: `user-${i}`, password: 'x' } }),
    );
    expect(statuses).toEqual([401, 401, 429, 401]);
  });

  const alice: Principal = { kind: 'user', userId: 'u1', username: 'alice', role: 'admin' };
  const times = (count: number, route: Route, status: number): Array<[Route, number]> => Array(count).fill([route, status]);

  // The admin of the report: about 20 successful logins and key creations in 8 minutes locked them out for 5 minutes.
  it.each([
    ['25 successful logins in a row', times(25, 'login', 200), []],
    ['25 key creations in a row', times(25, 'createApiKey', 201), []],
    [
      'logins and key creations, 15 of each, interleaved',
      Array.from({ length: 15 }).flatMap(() => [...times(1, 'login', 200), ...times(1, 'createApiKey', 201)]),
      [],
    ],
    ['25 key creations, then failed logins: only the failures count', [...times(25, 'createApiKey', 201), ...times(4, 'login', 401)], [28]],
    ['refused key creations (403) lock nothing either', times(12, 'createApiKey', 403), []],
    [
      'a failure between successes starts no lockout',
      [...times(2, 'login', 401), ...times(20, 'login', 200), ...times(3, 'login', 401)],
      [],
    ],
    ['25 successful refreshes', times(25, 'refresh', 200), []],
    ['refused refresh tokens are limited per address', times(6, 'refresh', 401), [5]],
    ['password changes still count every request (a guess of the current password)', times(4, 'changePassword', 204), [3]],
  ])('%s', (_case, requests, blockedAt) => {
    const { attempt } = setup({ authRateLimitPerAddress: 5 });
    const statuses = requests.map(([route, status]) =>
      attempt(status, {
        route,
        principal: route === 'login' || route === 'refresh' ? undefined : alice,
        body: route === 'login' ? undefined : {},
      }),
    );
    const refused = statuses.flatMap((status, index) => (status === 429 ? [index] : []));
    expect(refused).toEqual(blockedAt);
  });

  it('refuses an over-long username or password with 400 before counting anything', () => {
    const { attempt } = setup({ authRateLimitPerAddress: 1 });
    expect(attempt(401, { body: { username: 'x'.repeat(95_000), password: 'x' } })).toBe(400);
    expect(attempt(401, { body: { username: 'alice', password: 'x'.repeat(257) } })).toBe(400);
    expect(buckets.size).toBe(0);
  });
});

describe('attemptedUsername', () => {
  it.each([
    ['a username', { username: 'alice', password: 'x' }, 'alice'],
    ['64 characters', { username: 'a'.repeat(64) }, 'a'.repeat(64)],
    ['no username', { password: 'x' }, undefined],
    ['a number (left to validation)', { username: 42 }, undefined],
    ['an array body', ['alice'], undefined],
    ['no body', undefined, undefined],
  ])('%s', (_case, body, expected) => {
    expect(attemptedUsername({ body })).toBe(expected);
  });

  it.each([
    ['a 65-character username', { username: 'a'.repeat(65), password: 'x' }, 'username'],
    ['a 95 KB username', { username: 'a'.repeat(95_000), password: 'x' }, 'username'],
    ['a 257-character password', { username: 'alice', password: 'p'.repeat(257) }, 'password'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', (_case, body, field) => {
    expect(() => attemptedUsername({ body })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        problem: expect.objectContaining({ errors: [expect.objectContaining({ field })] }),
      }),
    );
  });

  it('notes the attempted username for the audit, cut to 128 characters', () => {
    const request: Parameters<typeof attemptedUsername>[0] = { body: { username: 'u'.repeat(95_000) } };
    expect(() => attemptedUsername(request)).toThrow();
    expect(request.audit?.details.username).toBe(`${'u'.repeat(128)}…`);
    const short: Parameters<typeof attemptedUsername>[0] = { body: { username: 'alice' } };
    attemptedUsername(short);
    expect(short.audit?.details.username).toBe('alice');
  });
});
