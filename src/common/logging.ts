import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, Logger as Pino } from 'pino';
import type { LogLevel } from '../config/app-config.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

declare module 'http' {
  interface IncomingMessage {
    /** The request id the access log wrote (requestLogger), for problems to name it. */
    id?: string;
  }
}

/** Headers whose values are secrets: never written to a log. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.query.ticket', 'res.headers["set-cookie"]'];

export function createLogger(level: LogLevel): Pino {
  return pino({ level, base: { service: 'berth' }, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** Which level a finished request is logged at. */
export function accessLogLevel(statusCode: number, failed: boolean): 'error' | 'warn' | 'info' {
  return failed || statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * Access log with a request id: taken from `X-Request-Id` when it is sane, else generated; echoed back.
 * One line per request when it ends, with the fields pino-http wrote (`req: {id, method, path, remoteAddress}`,
 * `res: {statusCode}`, `responseTime`, `err` when it failed) and its messages, without its two child loggers
 * and full request and response serialisations per request.
 */
export function requestLogger(logger: Pino) {
  return (req: IncomingMessage & { id?: string; originalUrl?: string }, res: ServerResponse, next: () => void) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.id = id;
    const started = Date.now();
    const fields = {
      id,
      method: req.method,
      // The query may carry a one-time ticket; the path is enough to follow a request.
      path: (req.originalUrl ?? req.url ?? '').split('?')[0],
      remoteAddress: req.socket.remoteAddress,
    };
    // The first of the three ends the request's line; the listeners stay (the response is dropped soon after),
    // which costs less per request than taking them off, and a late 'error' still finds one.
    let logged = false;
    const done = (error?: Error) => {
      if (logged) return;
      logged = true;
      const responseTime = Date.now() - started;
      const statusCode = res.statusCode;
      const level = accessLogLevel(statusCode, error !== undefined);
      if (error || statusCode >= 500) {
        const err = error ?? new Error(`failed with status code ${statusCode}`);
        logger[level]({ req: fields, res: { statusCode }, err, responseTime }, 'request errored');
      } else {
        const message = !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
        logger[level]({ req: fields, res: { statusCode }, responseTime }, message);
      }
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
}

/** Nest's own log lines, as JSON through the same pino logger. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Pino) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    this.write('error', message, context);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, context?: string) {
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const { msg, ...fields } = message as Record<string, unknown>;
      this.logger[level]({ context, ...fields }, typeof msg === 'string' ? msg : undefined);
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
