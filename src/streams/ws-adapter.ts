import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem.js';
import { STREAM_CHANNELS } from './stream.gateways.js';

/**
 * Plain WebSocket (no Socket.IO) on the HTTP server itself. The stream channels read their
 * frames themselves, so the adapter's JSON message parsing is turned off: it would try to
 * parse every exec stdin frame.
 */
export function createWsAdapter(app: INestApplication): WsAdapter {
  answerUnknownChannels(app.getHttpServer() as Server);
  return new WsAdapter(app, { messageParser: () => undefined });
}

/** The adapter silently drops an upgrade to a path no gateway serves; answer it as any route would: 404. */
function answerUnknownChannels(server: Server): void {
  const channels = new Set<string>(Object.values(STREAM_CHANNELS));
  server.prependListener('upgrade', (request: IncomingMessage, socket: Duplex) => {
    const path = new URL(request.url ?? '/', 'http://berth').pathname;
    if (channels.has(path)) return;
    const body = JSON.stringify(new ProblemException(404, 'NOT_FOUND', `No WebSocket channel at ${path}.`).toBody(path));
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
