import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync, WebSocket } from 'ws';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem.js';
import { fieldErrors, validationFailed } from '../common/validation.js';
import { originAllowed } from '../config/origins.js';
import { closeReason, refusalCloseCode } from './close-codes.js';
import type { Channel, StreamMetrics } from './stream-metrics.js';

/** What a channel worked out before the upgrade, handed to its connection handler. */
const contexts = new WeakMap<IncomingMessage, unknown>();

/** A refusal a browser is told after the handshake, since it cannot read an upgrade's HTTP status. */
class RefusalAfterHandshake {
  constructor(readonly problem: ProblemException) {}

  close(socket: WebSocket): void {
    socket.close(refusalCloseCode(this.problem.getStatus()), closeReason(`${this.problem.code}: ${this.problem.detail}`));
  }
}

/** The upgrade request's URL, or undefined when it does not parse (`//%`: `new URL` throws). */
export function upgradeUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://berth');
  } catch {
    return undefined;
  }
}

/**
 * ws's async `verifyClient` around a channel's preparation: everything that can refuse
 * (origin, credentials, role, query, unknown host or container) runs before the handshake,
 * and a refusal is a plain HTTP answer with a problem+json body, as for any other route.
 * With `origins` (BERTH_CORS_ORIGINS) set, an `Origin` outside them is refused (403) first,
 * before a ticket is spent; a page of an allowed origin, which cannot read that HTTP answer,
 * is told its refusal by a close right after the handshake: 4000 + status, `CODE: detail`.
 * Upgrades without `Origin` (bots, CLIs) are not browsers: the origin rules do not apply.
 */
export function verifyUpgrade<C>(
  channel: Channel,
  metrics: StreamMetrics,
  prepare: (request: IncomingMessage, url: URL) => Promise<C>,
  origins: readonly string[] = [],
): VerifyClientCallbackAsync {
  const logger = new Logger(`ws:${channel}`);
  return (info, callback) => {
    // The first upgrade listener (ws-adapter.ts) has answered a URL that does not parse.
    const url = upgradeUrl(info.req) ?? new URL('http://berth/');
    const origin = info.req.headers.origin;
    const browser = originAllowed(origins, origin);
    const refuse = (error: unknown) => {
      const problem =
        error instanceof ProblemException ? error : new ProblemException(500, 'INTERNAL_ERROR', 'The server could not open the stream.');
      if (problem.getStatus() >= 500) logger.error({ err: error, path: url.pathname }, 'upgrade failed');
      else logger.log({ path: url.pathname, status: problem.getStatus(), code: problem.code, origin }, 'upgrade refused');
      metrics.refusedUpgrades.inc({ channel, status: String(problem.getStatus()) });
      if (browser) {
        contexts.set(info.req, new RefusalAfterHandshake(problem));
        return callback(true);
      }
      const body = JSON.stringify(problem.toBody(url.pathname));
      callback(false, problem.getStatus(), body, { ...problem.problem.headers, 'Content-Type': PROBLEM_CONTENT_TYPE });
    };
    if (origins.length > 0 && origin !== undefined && !browser) {
      return refuse(new ProblemException(403, 'ORIGIN_NOT_ALLOWED', `Origin ${closeReason(origin)} is not allowed (BERTH_CORS_ORIGINS).`));
    }
    prepare(info.req, url).then((context) => {
      contexts.set(info.req, context);
      callback(true);
    }, refuse);
  };
}

/**
 * The context `verifyUpgrade` stored for this request (once). A refusal kept for a browser
 * closes the socket instead, and there is no context.
 */
export function takeUpgradeContext<C>(request: IncomingMessage, socket: WebSocket): C | undefined {
  const context = contexts.get(request);
  contexts.delete(request);
  if (context instanceof RefusalAfterHandshake) {
    context.close(socket);
    return undefined;
  }
  return context as C | undefined;
}

/**
 * The query of an upgrade as a validated DTO, with the rules of every HTTP route: unknown
 * fields and repeated single values are 400s. `arrays` names the fields that repeat (`cmd`).
 */
export async function parseStreamQuery<T extends object>(dto: new () => T, url: URL, arrays: string[] = []): Promise<T> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    raw[key] = arrays.includes(key) || values.length > 1 ? values : values[0];
  }
  const query = plainToInstance(dto, raw, { enableImplicitConversion: false });
  const errors = await validate(query, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  if (errors.length > 0) throw validationFailed(fieldErrors(errors));
  return query;
}
