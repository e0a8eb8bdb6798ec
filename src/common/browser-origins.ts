import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { originAllowed } from '../config/origins.js';

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
  'Idempotency-Replayed',
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
