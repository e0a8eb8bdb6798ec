import {
  ForbiddenException,
  type ArgumentMetadata,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type INestApplication,
  type NestInterceptor,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  FILTER_CATCH_EXCEPTIONS,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HOST_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
  VERSION_METADATA,
} from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ApplicationConfig } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { defer, isObservable, lastValueFrom, mergeAll } from 'rxjs';
import type { ExpressApp as ExpressServerApp } from './express-server.js';

/** A GET route answered before Express's router walks Berth's ~180 routes and before Nest's per-request machinery. */
export interface DirectRoute {
  controller: Type;
  /** The handler's method name on the controller. */
  method: string;
  /**
   * The handler is a read without side effects, and may start as the request arrives, while the guards and
   * interceptors run: for a request on a connection whose last request to this route was answered with a success for
   * the same URL and the same Authorization header (a client polling). The handler gets the arguments that request's
   * pipes made (validation is a pure function of the URL). Its answer or error is taken only if the pipeline reaches
   * the handler, as Nest's would; otherwise it is dropped. Each early read uses up the success before it, and a refusal
   * forgets it: a client's refused requests start at most one read between two of its successes, and a read starts
   * after its request arrived (never an older answer).
   */
  early?: boolean;
}

/** Validated queries kept per route: repeated polls (dashboards, bots) send the same few query strings. */
const QUERIES_KEPT = 64;

/** The Forbidden a guard's `false` becomes, as in Nest's router. */
const FORBIDDEN_MESSAGE = 'Forbidden resource';

/** A connection's last success on the route: the next request with the same URL and credential may start its read early. */
interface Success {
  url: string;
  authorization: string | undefined;
  values: unknown[];
}

/** A read started as its request arrived (DirectRoute.early): the arguments it was given and its answer. */
interface EarlyRead extends Success {
  answer: Promise<unknown>;
}

interface RouteArgument {
  index: number;
  type: RouteParamtypes.PARAM | RouteParamtypes.QUERY;
  /** The param's name; undefined for the whole query. */
  data: string | undefined;
  metatype: Type | undefined;
}

/**
 * Serves `route` in front of Express's router with the app's own global guards, interceptors, pipes and exception
 * filters, in Nest's order (guards, interceptors, pipes, handler, filters on any error), so that it answers exactly as
 * the Nest route would: the lone client's `docker ps` (issue 14) then costs little beyond the engine's answer. A
 * route's validated query is kept per query string (validation is a pure function of it), frozen and shared.
 *
 * Only the canonical path is taken (`/api/v1/hosts/local/containers`, no trailing slash, no %-escapes) of a GET
 * without a body; anything else goes on to Nest's route, which gives the same answer more slowly. Whatever this
 * cannot run exactly as Nest would (a route- or controller-level enhancer, a request-scoped global one, a
 * handler argument other than `@Param`/`@Query`, status or header decorators, a host filter, a version or a global
 * prefix) refuses to start: deny by default.
 * It takes the request at the HTTP server, before Express: Express's own per-request setup (`app.handle`: req and res
 * prototypes, `originalUrl`), then the app's middlewares registered so far (access log, CORS, metrics, body parsers),
 * each called in turn without the router walking its stack, then the route. So register it after those middlewares
 * and before Nest's routes; a middleware bound to a path, or an error handler, among them refuses to start. The module
 * middlewares Nest adds at init are not run, so none may act on a GET (the audit records mutations only).
 * A route that is a pure read may also start its handler as a repeat request arrives (`early`): the engine then works
 * while the guards and interceptors run, and their verdict decides whether its answer is used.
 */
export function serveDirectly(app: INestApplication, route: DirectRoute): void {
  const { controller, method } = route;
  const handler = (controller.prototype as Record<string, unknown>)[method] as ((...args: unknown[]) => unknown) | undefined;
  if (typeof handler !== 'function') throw new Error(`serveDirectly: ${controller.name}.${method} is not a handler`);
  const refuse = (why: string) => new Error(`serveDirectly: ${controller.name}.${method} ${why}; serve it through Nest only`);
  if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) throw refuse('is not a GET route');
  // A host filter or a version: Nest's route answers only some Host headers or another path; this would answer all.
  for (const key of [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA, HOST_METADATA, VERSION_METADATA]) {
    if (Reflect.getMetadata(key, controller) ?? Reflect.getMetadata(key, handler)) throw refuse(`has its own ${key}`);
  }
  for (const key of [HTTP_CODE_METADATA, HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.getMetadata(key, handler) !== undefined) throw refuse(`has ${key}`);
  }
  const pattern = routePattern(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler));
  const { path, params } = pathMatcher(pattern);
  const args = routeArguments(controller, method, refuse);

  const config = app.get(ApplicationConfig);
  if (config.getGlobalPrefix() || config.getVersioning()) throw refuse('would be answered without the global prefix or version Nest adds');
  const scoped = [config.getGlobalRequestGuards(), config.getGlobalRequestInterceptors(), config.getGlobalRequestPipes()];
  if (scoped.some((list) => list.length > 0)) throw refuse('would skip request-scoped global enhancers');
  const guards = config.getGlobalGuards() as CanActivate[];
  const interceptors = config.getGlobalInterceptors() as NestInterceptor[];
  const pipes = config.getGlobalPipes() as PipeTransform[];
  const filters = config.getGlobalFilters().map((filter: ExceptionFilter) => ({
    filter,
    catches: (Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ?? []) as Type[],
  }));
  if (!filters.some(({ catches }) => catches.length === 0)) throw refuse('needs a global filter that catches everything');
  const instance = app.get(controller, { strict: false }) as object;
  const adapter = app.getHttpAdapter();
  const queries = new Map<string, unknown>();
  const successes = new WeakMap<object, Success>();
  const run = (values: unknown[]): Promise<unknown> => {
    try {
      return Promise.resolve(handler.apply(instance, values));
    } catch (thrown) {
      return Promise.reject(thrown as Error);
    }
  };
  /** The handler's answer, started as the request arrives when route.early allows it (see there). */
  const startEarly = (request: Request, url: string): EarlyRead | undefined => {
    const last = route.early ? successes.get(request.socket) : undefined;
    if (last?.url !== url || last.authorization !== request.headers.authorization) return undefined;
    // Each early read uses up the success before it: a connection that stops succeeding starts no more.
    successes.delete(request.socket);
    const answer = run(last.values);
    // Taken by the pipeline, errors included, if it reaches the handler; otherwise dropped.
    answer.catch(() => undefined);
    return { ...last, answer };
  };

  const pipeAll = async (value: unknown, metadata: ArgumentMetadata) => {
    for (const pipe of pipes) value = await pipe.transform(value, metadata);
    return value;
  };
  const argumentsOf = async (request: Request, rawQuery: string) => {
    const values: unknown[] = [];
    for (const { index, type, data, metatype } of args) {
      if (type === RouteParamtypes.PARAM) {
        values[index] = await pipeAll(data === undefined ? request.params : request.params[data], { type: 'param', data, metatype });
        continue;
      }
      let query = data === undefined ? queries.get(rawQuery) : undefined;
      if (query === undefined) {
        const given: unknown = data === undefined ? request.query : (request.query as Record<string, unknown>)[data];
        query = await pipeAll(given, { type: 'query', data, metatype });
        if (data === undefined) remember(queries, rawQuery, deepFreeze(query));
      }
      values[index] = query;
    }
    return values;
  };
  const fail = (error: unknown, context: ExecutionContextHost) => {
    const { filter } = filters.find(({ catches }) => catches.length === 0 || catches.some((type) => error instanceof type))!;
    try {
      void filter.catch(error, context);
    } catch {
      // A filter that throws leaves nothing to answer with: as Nest's router would, the client loses the connection.
      context.switchToHttp().getResponse<Response>().destroy();
    }
  };

  const express = adapter.getInstance() as ExpressApp;
  const middlewares = appMiddlewares(express, refuse);
  const server = app.getHttpServer() as Server;
  if (server.listeners('request').length !== 1 || server.listeners('request')[0] !== express) {
    throw refuse('needs the HTTP server to hand every request to Express');
  }

  const answer = (request: Request, response: Response, context: ExecutionContextHost, url: string, rawQuery: string, early?: EarlyRead) =>
    void (async () => {
      for (const guard of guards) {
        const allowed = guard.canActivate(context);
        if (!(typeof allowed === 'boolean' ? allowed : await settle(allowed))) throw new ForbiddenException(FORBIDDEN_MESSAGE);
      }
      response.status(200);
      let values = early?.values;
      const call = async () => early?.answer ?? run((values = await argumentsOf(request, rawQuery)));
      const result = await intercept(interceptors, context, call);
      adapter.reply(response, result, 200);
      if (route.early && values) successes.set(request.socket, { url, authorization: request.headers.authorization, values });
    })().catch((error: unknown) => {
      successes.delete(request.socket);
      fail(error, context);
    });

  // In front of Express's router: Express's own per-request setup (app.handle), the app's middlewares, then the route.
  server.removeListener('request', express);
  server.on('request', (request: Request, response: Response) => {
    const url = request.url;
    const queryAt = url.indexOf('?');
    const match = request.method === 'GET' ? path.exec(queryAt < 0 ? url : url.slice(0, queryAt)) : null;
    const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    if (!match || hasBody) return express(request, response);
    const early = startEarly(request, url);
    beginLikeExpress(express, request, response);
    const context = new ExecutionContextHost([request, response, undefined], controller, handler);
    let at = 0;
    const next = (error?: unknown): void => {
      // As Express's router: `next('route')` from a middleware goes on; any other value is an error.
      if (error !== undefined && error !== null && error !== 'route') return fail(error, context);
      if (at < middlewares.length) {
        try {
          const returned: unknown = middlewares[at++](request, response, next);
          // As Express 5's router: a middleware's rejected promise is its error.
          if (returned instanceof Promise) returned.catch((rejection: unknown) => next(rejection ?? new Error('Rejected promise')));
        } catch (thrown) {
          next(thrown);
        }
        return;
      }
      // What Express's router would have set: the access guard (host routes), the metrics and the audit read them.
      request.params = Object.fromEntries(params.map((name, i) => [name, match[i + 1]]));
      request.route = { path: pattern };
      const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1);
      // The early read's engine request goes out on this turn of the event loop; the guards run on the next one.
      if (early) setImmediate(answer, request, response, context, url, rawQuery, early);
      else answer(request, response, context, url, rawQuery);
    };
    request.next = next;
    next();
  });
}

/** The Express app as Nest holds it (the HTTP server's request listener), with its router and settings. */
type ExpressApp = ExpressServerApp & {
  router: { stack: Array<{ handle: Middleware; name: string; slash?: boolean; route?: unknown }> };
  enabled(setting: string): boolean;
};
type Middleware = (request: Request, response: Response, next: NextFunction) => unknown;

/**
 * The middlewares the app registered so far (access log, CORS, metrics, body parsers): Express runs each of them
 * for every request before any route. One bound to a path, or an error handler, is not run the same way here: refused.
 */
function appMiddlewares(express: ExpressApp, refuse: (why: string) => Error): Middleware[] {
  return express.router.stack.map((layer) => {
    if (layer.route !== undefined || layer.slash !== true) throw refuse(`would skip the path-bound middleware ${layer.name}`);
    if (layer.handle.length > 3) throw refuse(`would skip the error handler ${layer.name}`);
    return layer.handle;
  });
}

/** What Express's `app.handle` and router set on every request before its first middleware. */
function beginLikeExpress(express: ExpressApp, request: Request, response: Response): void {
  if (express.enabled('x-powered-by')) response.setHeader('X-Powered-By', 'Express');
  request.res = response;
  response.req = request;
  Object.setPrototypeOf(request, express.request);
  Object.setPrototypeOf(response, express.response);
  response.locals ??= Object.create(null) as Record<string, unknown>;
  request.baseUrl = '';
  request.originalUrl = request.url;
}

/**
 * Runs the interceptors around `call` as Nest does (each gets the next as a CallHandler, the handler runs once the
 * innermost one is subscribed), without Nest's per-request scaffolding. The handler's answer is a value (a promise's).
 */
async function intercept(interceptors: NestInterceptor[], context: ExecutionContextHost, call: () => Promise<unknown>): Promise<unknown> {
  const at = (i: number): CallHandler => ({
    handle: () =>
      i < interceptors.length ? defer(async () => interceptors[i].intercept(context, at(i + 1))).pipe(mergeAll()) : defer(call),
  });
  return settle(at(0).handle());
}

async function settle(value: unknown): Promise<unknown> {
  const awaited: unknown = await value;
  return isObservable(awaited) ? lastValueFrom(awaited) : awaited;
}

/** `/api/v1/hosts/:host/containers` from the controller's and the handler's paths, as Nest joins them. */
function routePattern(controllerPath: unknown, handlerPath: unknown): string {
  const parts = [controllerPath, handlerPath].map((part) => (typeof part === 'string' ? part : '')).flatMap((part) => part.split('/'));
  return `/${parts.filter(Boolean).join('/')}`;
}

/** Matches the pattern's canonical form only: each `:param` one segment of plain characters (no escapes to decode). */
function pathMatcher(pattern: string): { path: RegExp; params: string[] } {
  const params: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        params.push(segment.slice(1));
        return '([A-Za-z0-9._~-]+)';
      }
      if (!/^[A-Za-z0-9._~-]*$/.test(segment)) throw new Error(`serveDirectly: cannot match the path ${pattern}`);
      return segment.replaceAll('.', '\\.');
    })
    .join('/');
  return { path: new RegExp(`^${source}$`), params };
}

function routeArguments(controller: Type, method: string, refuse: (why: string) => Error): RouteArgument[] {
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: unknown[] }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? []) as Type[];
  return Object.entries(declared).map(([key, { index, data, pipes }]) => {
    const type = Number(key.split(':')[0]);
    if (type !== RouteParamtypes.PARAM && type !== RouteParamtypes.QUERY) throw refuse(`takes an argument of kind ${key}`);
    if (pipes?.length) throw refuse('has argument pipes');
    if (data !== undefined && typeof data !== 'string') throw refuse('names an argument by a non-string');
    return { index, type, data, metatype: types[index] };
  });
}

function remember(queries: Map<string, unknown>, rawQuery: string, query: unknown): void {
  if (queries.size >= QUERIES_KEPT) queries.delete(queries.keys().next().value!);
  queries.set(rawQuery, query);
}

/** A validated query is shared by every request that sends the same query string: nobody may change it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
