import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** One origin as a browser sends it: scheme, host and an optional port; no path, no wildcard. */
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/i;

/** Whether `list` is comma-separated exact origins (what BERTH_CORS_ORIGINS must be). */
export function isOriginList(list: string): boolean {
  return list.split(',').every((item) => {
    const origin = item.trim();
    if (!ORIGIN.test(origin)) return false;
    try {
      return new URL(origin).origin !== 'null';
    } catch {
      return false;
    }
  });
}

/** The origins of a checked list, as browsers send them (lower case, a default port dropped). */
export function parseOrigins(list: string): string[] {
  return [...new Set(list.split(',').map((item) => new URL(item.trim()).origin))];
}

/** Whether a request's `Origin` header names an allowed origin (none is when the list is empty). */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  return origin !== undefined && allowed.includes(origin);
}

/** The request headers a page may send: credentials, JSON bodies, retries, tracing, conditional reads. */
export const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'If-None-Match', 'If-Match'];

/** The response headers a page may read besides the safelisted ones (rate limits, tracing, jobs, downloads). */
export const CORS_EXPOSED_HEADERS = [
  'Retry-After',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-Request-Id',
  'ETag',
  'Location',
  'Content-Disposition',
  'WWW-Authenticate',
];

/**
 * CORS for the pages of `origins` only (express's `cors`, through Nest): a preflight from one of
 * them is answered 204, any other origin gets no Access-Control-* header at all. Nothing is
 * enabled when the list is empty. Bearer credentials only: no cookies, so no Allow-Credentials.
 */
export function allowBrowserOrigins(app: INestApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  // Answers differ by Origin, allowed or not: caches must keep them apart.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin');
    next();
  });
  app.enableCors({
    // false leaves the request to the routes without any CORS header (an OPTIONS then gets 404).
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, originAllowed(origins, origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
