import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem.js';
import { STREAM_CHANNELS } from './stream.gateways.js';
import { upgradeUrl } from './upgrade.js';

/**
 * Plain WebSocket (no Socket.IO) on the HTTP server itself. The stream channels read their
 * frames themselves, so the adapter's JSON message parsing is turned off: it would try to
 * parse every exec stdin frame.
 */
export function createWsAdapter(app: INestApplication): WsAdapter {
  answerUnknownChannels(app.getHttpServer() as Server);
  return new WsAdapter(app, { messageParser: () => undefined });
}

/**
 * The adapter silently drops an upgrade to a path no gateway serves; answer it as any route would: 404.
 * First of the upgrade listeners, it also answers a URL or Host header that does not parse (`//%`,
 * `Host: [`): a throw here would skip the other listeners and leave the socket to no one, and Nest's
 * listener, which parses the URL against the Host header, answers that with a bare `end()`.
 */
function answerUnknownChannels(server: Server): void {
  const channels = new Set<string>(Object.values(STREAM_CHANNELS));
  server.prependListener('upgrade', (request: IncomingMessage, socket: Duplex) => {
    const url = upgradeUrl(request);
    if (url === undefined || !parses(`ws://${request.headers.host}/`)) {
      return refuseUpgrade(socket, new ProblemException(400, 'BAD_REQUEST', 'The request URL or Host header does not parse.'), '/');
    }
    if (channels.has(url.pathname)) return;
    refuseUpgrade(socket, new ProblemException(404, 'NOT_FOUND', `No WebSocket channel at ${url.pathname}.`), url.pathname);
  });
}

/**
 * Answers the upgrade and closes the socket once the answer is out: an upgrade request's socket has no
 * server timeouts left, and the HTTP server's sockets are half-open, so a client that never closes
 * its side would keep it forever after a bare `end()`.
 */
function refuseUpgrade(socket: Duplex, problem: ProblemException, path: string): void {
  const body = JSON.stringify(problem.toBody(path));
  // Nest's listener, after this one, ends or destroys the socket again: its write after the end is no one's error.
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${problem.getStatus()} ${STATUS_CODES[problem.getStatus()]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}
