import { type CallHandler, type ExecutionContext, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Observable, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { Database } from '../database/database.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IDEMPOTENT } from './idempotent.decorator.js';

const alice = { kind: 'user' as const, userId: 'u-alice', username: 'alice', role: 'operator' as const };
const bob = { kind: 'apiKey' as const, userId: 'u-bob', username: 'bob', role: 'operator' as const, apiKeyId: 'k-bob' };

/** A marked route handler, as Nest hands it to interceptors. */
function handler(): () => void {
  const route = () => undefined;
  Reflect.defineMetadata(IDEMPOTENT, true, route);
  return route;
}

interface FakeResponse {
  statusCode: number;
  headers: Record<string, string>;
  status(code: number): FakeResponse;
  setHeader(name: string, value: string): void;
  getHeader(name: string): string | undefined;
}

function exchange(options: {
  key?: string;
  principal?: typeof alice | typeof bob;
  body?: unknown;
  query?: Record<string, string>;
  path?: string;
  contentType?: string;
}) {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const request = {
    method: 'POST',
    originalUrl: `${options.path ?? '/api/v1/hosts/local/containers'}?x=1`,
    headers,
    query: options.query ?? { x: '1' },
    body: options.body ?? { image: 'busybox' },
    principal: 'principal' in options ? options.principal : alice,
    id: 'req-2',
    is: (type: string) => (headers['content-type'].includes(type.split('/')[1]) ? type : false),
  };
  const response: FakeResponse = {
    statusCode: 201,
    headers: {},
    status(code) {
      this.statusCode = code;
      return this;
    },
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
    },
    getHeader(name) {
      return this.headers[name.toLowerCase()];
    },
  };
  const route = handler();
  const context = {
    getType: () => 'http',
    getHandler: () => route,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { context, response };
}

describe('IdempotencyInterceptor on a real database', () => {
  let database: Database;
  let keys: IdempotencyRepository;
  let interceptor: IdempotencyInterceptor;
  let runs: number;

  /** A handler that creates something: counts its runs, sets Location as the job routes do. */
  const creates = (response: FakeResponse, answer: { status?: number; body?: unknown; error?: unknown } = {}): CallHandler => ({
    handle: () =>
      new Observable((subscriber) => {
        runs += 1;
        if (answer.error) return subscriber.error(answer.error);
        response.status(answer.status ?? 201);
        response.setHeader('Location', `/things/${runs}`);
        subscriber.next(answer.body ?? { id: `thing-${runs}` });
        subscriber.complete();
      }),
  });

  async function send(options: Parameters<typeof exchange>[0], answer?: Parameters<typeof creates>[1], through = interceptor) {
    const { context, response } = exchange(options);
    const body = await lastValueFrom(await through.intercept(context, creates(response, answer)));
    return { status: response.statusCode, body, headers: response.headers };
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await Database.open(join(mkdtempSync(join(tmpdir(), 'berth-idempotency-')), 'data'));
    keys = new IdempotencyRepository(database);
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(() => {
    interceptor = new IdempotencyInterceptor(new Reflector(), keys);
    runs = 0;
  });

  it('runs the first request and answers a retry with its status, body and Location, without running again', async () => {
    const first = await send({ key: 'k-replay' }, { status: 202 });
    const retry = await send({ key: 'k-replay' });
    expect(first).toMatchObject({ status: 202, body: { id: 'thing-1' }, headers: { location: '/things/1' } });
    expect(retry).toEqual({ status: 202, body: { id: 'thing-1' }, headers: { location: '/things/1', 'idempotency-replayed': 'true' } });
    expect(runs).toBe(1);
  });

  it('runs every request that carries no key', async () => {
    await send({});
    await send({});
    expect(runs).toBe(2);
  });

  it.each([
    ['another body', { key: 'k-reused', body: { image: 'nginx' } }],
    ['another query', { key: 'k-reused', query: { x: '2' } }],
  ])('answers 422 IDEMPOTENCY_KEY_REUSED to %s under the key, and runs nothing', async (_name, retry) => {
    await send({ key: 'k-reused' });
    const { context, response } = exchange(retry);
    await expect(interceptor.intercept(context, creates(response))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(runs).toBe(1);
    await database.db.deleteFrom('idempotencyKeys').execute();
  });

  it("keeps an API key's keys apart from its owner's sessions", async () => {
    const bobSession = { kind: 'user' as const, userId: 'u-bob', username: 'bob', role: 'operator' as const };
    await send({ key: 'k-credential', principal: bobSession });
    expect(await send({ key: 'k-credential', principal: bob })).toMatchObject({ body: { id: 'thing-2' } });
    expect(await send({ key: 'k-credential', principal: bobSession })).toMatchObject({ body: { id: 'thing-1' } });
    expect(runs).toBe(2);
  });

  it('keeps keys apart per user and per route', async () => {
    await send({ key: 'k-shared' });
    expect(await send({ key: 'k-shared', principal: bob })).toMatchObject({ body: { id: 'thing-2' } });
    expect(await send({ key: 'k-shared', path: '/api/v1/hosts/local/volumes' })).toMatchObject({ body: { id: 'thing-3' } });
    expect(runs).toBe(3);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_FLIGHT while the first request runs, and the answer once it has', async () => {
    let finish!: () => void;
    const { context, response } = exchange({ key: 'k-slow' });
    const slow: CallHandler = {
      handle: () =>
        new Observable((subscriber) => {
          finish = () => {
            response.status(201);
            subscriber.next({ id: 'slow' });
            subscriber.complete();
          };
        }),
    };
    const first = lastValueFrom(await interceptor.intercept(context, slow));
    await expect(send({ key: 'k-slow' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_IN_FLIGHT',
      problem: { headers: { 'Retry-After': '1' } },
    });
    finish();
    await first;
    expect(await send({ key: 'k-slow' })).toMatchObject({ status: 201, body: { id: 'slow' } });
    expect(runs).toBe(0);
  });

  it('takes over a key left in flight by a process that is gone (a restart)', async () => {
    const { context } = exchange({ key: 'k-orphan' });
    void (await interceptor.intercept(context, { handle: () => new Observable(() => undefined) })).subscribe();
    const restarted = new IdempotencyInterceptor(new Reflector(), keys);
    expect(await send({ key: 'k-orphan' }, {}, restarted)).toMatchObject({ status: 201, body: { id: 'thing-1' } });
  });

  it('keeps a 4xx problem the retry would meet again, and replays it', async () => {
    const denied = new ProblemException(403, 'POLICY_DENIED', 'privileged is for admins');
    await expect(send({ key: 'k-403' }, { error: denied })).rejects.toBe(denied);
    const retry = await send({ key: 'k-403' });
    expect(retry.status).toBe(403);
    expect(retry.headers['content-type']).toBe('application/problem+json');
    expect(retry.body).toMatchObject({
      code: 'POLICY_DENIED',
      status: 403,
      instance: '/api/v1/hosts/local/containers',
      requestId: 'req-2',
    });
    expect(runs).toBe(1);
  });

  it.each([
    ['a 503 from the engine', new ProblemException(503, 'ENGINE_UNAVAILABLE', 'no answer', { headers: { 'Retry-After': '5' } })],
    ['a 429', new ProblemException(429, 'RATE_LIMITED', 'slow down')],
    ['a crash', new Error('boom')],
  ])('frees the key after %s: the retry runs again', async (_name, error) => {
    const key = `k-free-${_name}`;
    await expect(send({ key }, { error })).rejects.toBe(error);
    expect(await send({ key })).toMatchObject({ status: 201, body: { id: 'thing-2' } });
    expect(runs).toBe(2);
  });

  it('refuses a malformed key and a streamed body with 400, running nothing', async () => {
    await expect(send({ key: 'x'.repeat(256) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const { context, response } = exchange({ key: 'k-tar', contentType: 'application/x-tar' });
    (context.switchToHttp().getRequest() as { headers: Record<string, string> }).headers['content-length'] = '10240';
    await expect(interceptor.intercept(context, creates(response))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(runs).toBe(0);
  });

  it('forgets keys after 24 h', async () => {
    await send({ key: 'k-old' });
    await database.db.updateTable('idempotencyKeys').set({ expiresAt: '2000-01-01T00:00:00.000Z' }).where('key', '=', 'k-old').execute();
    expect(await keys.purgeExpired(new Date().toISOString())).toBe(1);
    expect(await send({ key: 'k-old' })).toMatchObject({ body: { id: 'thing-2' } });
  });
});
