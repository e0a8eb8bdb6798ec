import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem.js';
import { fieldErrors, validationFailed } from '../common/validation.js';
import type { Channel, StreamMetrics } from './stream-metrics.js';

/** What a channel worked out before the upgrade, handed to its connection handler. */
const contexts = new WeakMap<IncomingMessage, unknown>();

/**
 * ws's async `verifyClient` around a channel's preparation: everything that can refuse
 * (credentials, role, query, unknown host or container) runs before the handshake, and a
 * refusal is a plain HTTP answer with a problem+json body, as for any other route.
 */
export function verifyUpgrade<C>(
  channel: Channel,
  metrics: StreamMetrics,
  prepare: (request: IncomingMessage, url: URL) => Promise<C>,
): VerifyClientCallbackAsync {
  const logger = new Logger(`ws:${channel}`);
  return (info, callback) => {
    const url = new URL(info.req.url ?? '/', 'http://berth');
    prepare(info.req, url).then(
      (context) => {
        contexts.set(info.req, context);
        callback(true);
      },
      (error: unknown) => {
        const problem =
          error instanceof ProblemException ? error : new ProblemException(500, 'INTERNAL_ERROR', 'The server could not open the stream.');
        if (problem.getStatus() >= 500) logger.error({ err: error, path: url.pathname }, 'upgrade failed');
        else logger.log({ path: url.pathname, status: problem.getStatus(), code: problem.code }, 'upgrade refused');
        metrics.refusedUpgrades.inc({ channel, status: String(problem.getStatus()) });
        const body = JSON.stringify(problem.toBody(url.pathname));
        callback(false, problem.getStatus(), body, { ...problem.problem.headers, 'Content-Type': PROBLEM_CONTENT_TYPE });
      },
    );
  };
}

/** The context `verifyUpgrade` stored for this request (once). */
export function takeUpgradeContext<C>(request: IncomingMessage): C | undefined {
  const context = contexts.get(request) as C | undefined;
  contexts.delete(request);
  return context;
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
