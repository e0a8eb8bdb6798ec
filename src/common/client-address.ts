import type { Request } from 'express';

/** The address a request came from, as express sees it (behind a proxy: the proxy's, unless `trust proxy` is set). */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}
