import {
  Body,
  CallHandler,
  CanActivate,
  Catch,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Module,
  NestInterceptor,
  Param,
  Post,
  Query,
  UseGuards,
  Version,
  VersioningType,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { IsInt, IsOptional, IsString, Max } from 'class-validator';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { map, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectly } from './direct-route.js';
import { ProblemException } from './problem.js';
import { ProblemFilter } from './problem.filter.js';
import { QueryInt, QueryList } from './validators.js';
import { createValidationPipe } from './validation.js';

class ThingsQueryDto {
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Max(10)
  limit?: number;

  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  label?: string[];
}

/** What the guard saw, per request: the direct route must set what Express's router would. */
const seen: Array<{ route: unknown; host: unknown }> = [];
/** The queries the handler got: one validated object per query string on the direct route. */
const queries: ThingsQueryDto[] = [];

@Injectable()
class HostGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    seen.push({ route: (request.route as { path?: unknown } | undefined)?.path, host: request.params.host });
    if (request.headers['x-deny'] === 'problem') throw new ProblemException(401, 'UNAUTHENTICATED', 'No.');
    return request.headers['x-deny'] === undefined;
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value })));
  }
}

/** As the idempotency interceptor: an `async intercept`, whose answer is a promise of the Observable. */
@Injectable()
class AsyncInterceptor implements NestInterceptor {
  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    await Promise.resolve();
    if (context.switchToHttp().getRequest<Request>().headers['x-async'] === 'throws') {
      throw new ProblemException(409, 'CONFLICT', 'An async interceptor said no.');
    }
    return next.handle().pipe(map((value) => ({ ...(value as object), seenAsync: true })));
  }
}

/** Hands the rest of the chain back as it got it (as most interceptors do for a GET); the async one after a turn. */
@Injectable()
class PassInterceptor implements NestInterceptor {
  static seen = 0;
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    PassInterceptor.seen += 1;
    return next.handle();
  }
}

@Injectable()
class AsyncPassInterceptor implements NestInterceptor {
  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    await Promise.resolve();
    if (context.switchToHttp().getRequest<Request>().headers['x-async'] === 'pass-throws') {
      throw new ProblemException(409, 'CONFLICT', 'A passing interceptor said no.');
    }
    return next.handle();
  }
}

@Controller('api/v1/hosts/:host/things')
class ThingsController {
  @Get()
  list(@Param('host') host: string, @Query() query: ThingsQueryDto): Promise<object> {
    queries.push(query);
    if (host === 'missing') return Promise.reject(new ProblemException(404, 'HOST_NOT_FOUND', `No host ${host}.`));
    return Promise.resolve({ host, query: { ...query } });
  }
}

@Module({
  controllers: [ThingsController],
  providers: [
    { provide: APP_GUARD, useClass: HostGuard },
    { provide: APP_INTERCEPTOR, useClass: PassInterceptor },
    { provide: APP_INTERCEPTOR, useClass: WrapInterceptor },
    { provide: APP_INTERCEPTOR, useClass: AsyncPassInterceptor },
    { provide: APP_INTERCEPTOR, useClass: AsyncInterceptor },
    { provide: APP_INTERCEPTOR, useClass: PassInterceptor },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
class ThingsModule {}

async function appOf(module: object): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: false });
  app.useGlobalPipes(createValidationPipe());
  return app;
}

describe('serveDirectly', () => {
  let app: INestApplication;
  let base: string;
  /** Paths that reached the middlewares behind the direct route (Express's router, then Nest's route). */
  const passedOn: string[] = [];

  beforeAll(async () => {
    app = await appOf(ThingsModule);
    // App-level middlewares registered before it: the direct route runs them as Express would, in order.
    app.use((request: Request, response: Response, next: NextFunction) => {
      response.setHeader('X-Middlewares', 'first');
      if (request.headers['x-middleware'] === 'fails') return next(new ProblemException(400, 'BAD_REQUEST', 'A middleware said no.'));
      next(request.headers['x-middleware'] === 'skips' ? 'route' : undefined);
    });
    app.use(async (request: Request, response: Response, next: NextFunction) => {
      response.setHeader('X-Middlewares', `${String(response.getHeader('X-Middlewares'))} second`);
      if (request.headers['x-middleware'] === 'rejects') throw new ProblemException(409, 'CONFLICT', 'A middleware rejected.');
      next();
    });
    serveDirectly(app, { controller: ThingsController, method: 'list' });
    app.use((request: Request, _response: Response, next: NextFunction) => {
      passedOn.push(request.url);
      next();
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app?.close());

  const answer = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, { headers });
    const body = (await response.json()) as Record<string, unknown>;
    // The problem's instance names the path asked for: the trailing slash is the only difference.
    if (typeof body.instance === 'string') body.instance = body.instance.replace(/\/$/, '');
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      middlewares: response.headers.get('x-middlewares'),
      body,
    };
  };

  it.each([
    ['an answer through the interceptors', '?limit=3&label=a&label=b', {}],
    ['an async interceptor that throws: its problem', '', { 'x-async': 'throws' }],
    ['an interceptor that passes the rest on, then throws: its problem', '', { 'x-async': 'pass-throws' }],
    ['a guard that says no: 403', '', { 'x-deny': 'yes' }],
    ['a guard that throws: its problem', '', { 'x-deny': 'problem' }],
    ['a bad query: 400 from the pipe', '?limit=99', {}],
    ['an unknown query field: 400', '?color=red', {}],
  ])('%s, as Nest answers it', async (_case, query, headers) => {
    passedOn.length = 0;
    const direct = await answer(`/api/v1/hosts/local/things${query}`, headers);
    expect(passedOn).toEqual([]);
    const nest = await answer(`/api/v1/hosts/local/things/${query}`, headers);
    expect(passedOn).toEqual([`/api/v1/hosts/local/things/${query}`]);
    expect(direct).toEqual(nest);
  });

  it("runs the app's middlewares in order before the route", async () => {
    expect((await answer('/api/v1/hosts/local/things')).middlewares).toBe('first second');
    // `next('route')` from a middleware goes on to the next one, as in Express.
    const skipped = await answer('/api/v1/hosts/local/things', { 'x-middleware': 'skips' });
    expect(skipped).toEqual(await answer('/api/v1/hosts/local/things/', { 'x-middleware': 'skips' }));
    expect(skipped).toMatchObject({ status: 200, middlewares: 'first second' });
  });

  it.each([
    ['passes on an error', 'fails', 400],
    ['rejects its promise', 'rejects', 409],
  ])("a middleware that %s: the global filter's answer, as Nest's", async (_case, header, status) => {
    const direct = await answer('/api/v1/hosts/local/things', { 'x-middleware': header });
    expect(direct).toEqual(await answer('/api/v1/hosts/local/things/', { 'x-middleware': header }));
    expect(direct).toMatchObject({ status, type: expect.stringContaining('application/problem+json'), body: { status } });
  });

  it("a handler's error goes through the global filter", async () => {
    const direct = await answer('/api/v1/hosts/missing/things');
    expect(direct).toEqual(await answer('/api/v1/hosts/missing/things/'));
    expect(direct).toMatchObject({
      status: 404,
      type: expect.stringContaining('application/problem+json'),
      body: { code: 'HOST_NOT_FOUND' },
    });
  });

  it("sets the route and params Express's router would, before the guards", async () => {
    seen.length = 0;
    await answer('/api/v1/hosts/h-1.a_b/things');
    await answer('/api/v1/hosts/h-1.a_b/things/');
    expect(seen).toEqual([
      { route: '/api/v1/hosts/:host/things', host: 'h-1.a_b' },
      { route: '/api/v1/hosts/:host/things', host: 'h-1.a_b' },
    ]);
  });

  it('runs each interceptor and the handler once per request, those that pass the rest on too, as Nest does', async () => {
    for (const path of ['/api/v1/hosts/local/things', '/api/v1/hosts/local/things/']) {
      queries.length = 0;
      PassInterceptor.seen = 0;
      const { body } = await answer(path);
      expect(body).toEqual({ wrapped: { host: 'local', query: {}, seenAsync: true } });
      expect([queries.length, PassInterceptor.seen]).toEqual([1, 2]);
    }
  });

  it('validates a query string once and shares it frozen; another query string is validated on its own', async () => {
    queries.length = 0;
    for (const query of ['?limit=2', '?limit=2', '?limit=3']) expect((await answer(`/api/v1/hosts/local/things${query}`)).status).toBe(200);
    const [first, again, other] = queries;
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(other).not.toBe(first);
    expect(other.limit).toBe(3);
  });

  it.each([
    ['a HEAD', 'HEAD', '/api/v1/hosts/local/things', {}],
    ['a body', 'GET', '/api/v1/hosts/local/things', { 'content-length': '0' }],
    ['an escaped host', 'GET', '/api/v1/hosts/lo%63al/things', {}],
    ['another route', 'GET', '/api/v1/hosts/local/things/x', {}],
  ])('leaves %s to Nest', async (_case, method, path, headers) => {
    passedOn.length = 0;
    // node:http, not fetch: fetch drops a Content-Length it computes itself.
    await new Promise((resolve, reject) => {
      const request = httpRequest(`${base}${path}`, { method, headers }, (response) => response.resume().on('end', resolve));
      request.on('error', reject).end();
    });
    expect(passedOn).toEqual([path]);
  });
});

/** What ran, in order, on the early route: the app's middleware, the guard, the handler and its read. */
const turns: string[] = [];
/** The early route's handler fails its next call (a read that goes wrong once). */
let failNext = false;
/** The early route's reads so far: each answer says which read made it. */
let reads = 0;

@Injectable()
class TurnGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    turns.push('guard');
    return context.switchToHttp().getRequest<Request>().headers['x-deny'] === undefined;
  }
}

function turnMiddleware(_request: Request, _response: Response, next: NextFunction): void {
  turns.push('middleware');
  next();
}

@Controller('api/v1/hosts/:host/reads')
class ReadsController {
  @Get()
  list(@Param('host') host: string, @Query() query: ThingsQueryDto): Promise<object> {
    turns.push('handler');
    // The engine request goes out a few promise turns later (the coalescer, the engine call's bookkeeping).
    return new Promise((resolve) => process.nextTick(resolve))
      .then(() => Promise.resolve())
      .then(() => {
        turns.push('read');
        reads += 1;
        if (!failNext) return { host, limit: query.limit ?? null, read: reads };
        failNext = false;
        throw new ProblemException(503, 'ENGINE_UNAVAILABLE', 'The engine did not answer.');
      });
  }
}

@Module({
  controllers: [ReadsController],
  providers: [
    { provide: APP_GUARD, useClass: TurnGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
class ReadsModule {}

describe('serveDirectly with early reads', () => {
  let app: INestApplication;
  let port: number;
  /** One kept-alive connection, as a polling client's. */
  let connection: Agent;

  beforeAll(async () => {
    app = await appOf(ReadsModule);
    // The app's middlewares (the access log among them) run as the request arrives, early read or not.
    app.use(turnMiddleware);
    serveDirectly(app, { controller: ReadsController, method: 'list', early: true });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app?.close());

  const get = (path: string, headers: Record<string, string> = {}, agent?: Agent) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path, headers, agent: agent ?? connection }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      request.on('error', reject).end();
    });
  /** The turns of one request, after the ones before it. */
  const turnsOf = async (path: string, headers: Record<string, string> = {}, agent?: Agent) => {
    turns.length = 0;
    const answer = await get(path, headers, agent);
    return { status: answer.status, turns: [...turns], body: answer.body };
  };

  it("a repeat of the connection's last success starts its read before the guard runs, and is answered by that read", async () => {
    connection = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await turnsOf('/api/v1/hosts/local/reads?limit=2');
    expect(first).toEqual({
      status: 200,
      turns: ['middleware', 'guard', 'handler', 'read'],
      body: { host: 'local', limit: 2, read: reads },
    });
    const again = await turnsOf('/api/v1/hosts/local/reads?limit=2');
    expect(again).toEqual({
      status: 200,
      turns: ['handler', 'middleware', 'read', 'guard'],
      body: { ...first.body, read: (first.body.read as number) + 1 },
    });
    // Another URL, another connection: no success of theirs to repeat.
    expect((await turnsOf('/api/v1/hosts/local/reads?limit=3')).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    expect((await turnsOf('/api/v1/hosts/local/reads?limit=3', {}, new Agent())).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    connection.destroy();
  });

  it("another credential on the connection (a proxy's users, or none) starts no early read", async () => {
    connection = new Agent({ keepAlive: true, maxSockets: 1 });
    const mine = { authorization: 'Bearer mine' };
    const theirs = { authorization: 'Bearer theirs' };
    await get('/api/v1/hosts/local/reads', mine);
    for (const headers of [{}, theirs, mine]) {
      expect((await turnsOf('/api/v1/hosts/local/reads', headers)).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    }
    expect((await turnsOf('/api/v1/hosts/local/reads', mine)).turns).toEqual(['handler', 'middleware', 'read', 'guard']);
    connection.destroy();
  });

  it('a refused repeat: the early answer is dropped, the guard answers, and the connection starts no more early reads', async () => {
    connection = new Agent({ keepAlive: true, maxSockets: 1 });
    await get('/api/v1/hosts/local/reads');
    const refused = await turnsOf('/api/v1/hosts/local/reads', { 'x-deny': 'yes' });
    expect(refused).toMatchObject({ status: 403, turns: ['handler', 'middleware', 'read', 'guard'], body: { status: 403 } });
    for (let i = 0; i < 3; i++) {
      expect(await turnsOf('/api/v1/hosts/local/reads', { 'x-deny': 'yes' })).toMatchObject({
        status: 403,
        turns: ['middleware', 'guard'],
      });
    }
    // A success again re-arms it; a refusal on another URL forgets it.
    expect((await turnsOf('/api/v1/hosts/local/reads')).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    expect((await turnsOf('/api/v1/hosts/local/reads')).turns).toEqual(['handler', 'middleware', 'read', 'guard']);
    expect((await turnsOf('/api/v1/hosts/local/reads?limit=1', { 'x-deny': 'yes' })).turns).toEqual(['middleware', 'guard']);
    expect((await turnsOf('/api/v1/hosts/local/reads')).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    connection.destroy();
  });

  it("an early read's error is the answer, through the global filter, as Nest's", async () => {
    connection = new Agent({ keepAlive: true, maxSockets: 1 });
    await get('/api/v1/hosts/local/reads?limit=1');
    failNext = true;
    const failed = await turnsOf('/api/v1/hosts/local/reads?limit=1');
    expect(failed).toMatchObject({ status: 503, turns: ['handler', 'middleware', 'read', 'guard'], body: { code: 'ENGINE_UNAVAILABLE' } });
    failNext = true;
    const throughNest = await turnsOf('/api/v1/hosts/local/reads/?limit=1');
    expect(throughNest).toEqual({
      ...failed,
      turns: ['middleware', 'guard', 'handler', 'read'],
      body: { ...failed.body, instance: '/api/v1/hosts/local/reads/' },
    });
    // A failure is no success: the next request waits for the guard.
    expect((await turnsOf('/api/v1/hosts/local/reads?limit=1')).turns).toEqual(['middleware', 'guard', 'handler', 'read']);
    connection.destroy();
  });

  it('a route that does not ask for early reads never runs its handler before its guards', async () => {
    connection = new Agent({ keepAlive: true, maxSockets: 1 });
    const plain = await appOf(ReadsModule);
    try {
      plain.use(turnMiddleware);
      serveDirectly(plain, { controller: ReadsController, method: 'list' });
      await plain.listen(0, '127.0.0.1');
      const plainPort = (plain.getHttpServer().address() as AddressInfo).port;
      for (let i = 0; i < 2; i++) {
        turns.length = 0;
        await new Promise((resolve, reject) =>
          httpRequest({ host: '127.0.0.1', port: plainPort, path: '/api/v1/hosts/local/reads', agent: connection }, (response) =>
            response.resume().on('end', resolve),
          )
            .on('error', reject)
            .end(),
        );
        expect(turns).toEqual(['middleware', 'guard', 'handler', 'read']);
      }
    } finally {
      connection.destroy();
      await plain.close();
    }
  });
});

describe('serveDirectly refuses what it cannot run as Nest would', () => {
  @Injectable()
  class OwnGuard implements CanActivate {
    canActivate(): boolean {
      return true;
    }
  }
  @Catch(TypeError)
  class TypeErrorsOnly {
    catch(): void {}
  }

  @Controller('things')
  class OddController {
    @Post()
    create(@Body() body: object): object {
      return body;
    }
    @Get('guarded')
    @UseGuards(OwnGuard)
    guarded(): object {
      return {};
    }
    @Get('coded')
    @HttpCode(203)
    coded(): object {
      return {};
    }
    @Get('plain')
    plain(): object {
      return {};
    }
    @Get('body')
    withBody(@Body() body: object): object {
      return body;
    }
    @Get('versioned')
    @Version('2')
    versioned(): object {
      return {};
    }
  }
  /** Nest answers it only for this Host header. */
  @Controller({ path: 'hosted', host: 'admin.example.com' })
  class HostedController {
    @Get()
    list(): object {
      return {};
    }
  }
  @Module({ controllers: [OddController], providers: [OwnGuard, { provide: APP_FILTER, useClass: ProblemFilter }] })
  class OddModule {}
  @Module({ controllers: [OddController], providers: [OwnGuard, { provide: APP_FILTER, useClass: TypeErrorsOnly }] })
  class NarrowFilterModule {}

  it.each([
    ['create', /is not a GET route/],
    ['guarded', /has its own __guards__/],
    ['coded', /has __httpCode__/],
    ['withBody', /takes an argument of kind 3:0/],
    ['missing', /is not a handler/],
    ['versioned', /has its own __version__/],
  ])('%s', async (method, why) => {
    const app = await appOf(OddModule);
    try {
      expect(() => serveDirectly(app, { controller: OddController, method })).toThrow(why);
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      'a middleware bound to a path',
      (app: INestApplication) => app.use('/docs', (_q: Request, _r: Response, next: NextFunction) => next()),
      /path-bound middleware/,
    ],
    [
      'an error handler',
      (app: INestApplication) => app.use((_e: Error, _q: Request, _r: Response, next: NextFunction) => next()),
      /error handler/,
    ],
  ])('an app with %s registered before it: Express would run it differently', async (_case, configure, why) => {
    const app = await appOf(OddModule);
    try {
      configure(app);
      expect(() => serveDirectly(app, { controller: OddController, method: 'plain' })).toThrow(why);
    } finally {
      await app.close();
    }
  });

  it('a controller that answers one Host only', async () => {
    const app = await appOf(OddModule);
    try {
      expect(() => serveDirectly(app, { controller: HostedController, method: 'list' })).toThrow(/has its own host/);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['a global prefix', (app: INestApplication) => app.setGlobalPrefix('v1')],
    ['URI versioning', (app: INestApplication) => app.enableVersioning({ type: VersioningType.URI })],
  ])('an app with %s: its routes are not at their own path', async (_case, configure) => {
    const app = await appOf(OddModule);
    try {
      configure(app);
      expect(() => serveDirectly(app, { controller: OddController, method: 'plain' })).toThrow(/global prefix or version/);
    } finally {
      await app.close();
    }
  });

  it('a route whose global filters do not catch everything', async () => {
    const app = await appOf(NarrowFilterModule);
    try {
      expect(() => serveDirectly(app, { controller: OddController, method: 'plain' })).toThrow(/catches everything/);
    } finally {
      await app.close();
    }
  });
});
