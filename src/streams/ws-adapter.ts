import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

/**
 * Plain WebSocket (no Socket.IO) on the HTTP server itself. The stream channels read their
 * frames themselves, so the adapter's JSON message parsing is turned off: it would try to
 * parse every exec stdin frame.
 */
export function createWsAdapter(app: INestApplication): WsAdapter {
  return new WsAdapter(app, { messageParser: () => undefined });
}
