import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { api } from './support/http.js';

/**
 * Round five: an attacker's pass over the whole service (twelfth session). Each test is the attack
 * and asserts that it now fails.
 */

interface RawAnswer {
  /** The status line and what followed, as the server sent them. */
  text: string;
  /** Whether the server closed the connection within the wait, the client keeping its side open. */
  closedByServer: boolean;
}

/** Sends raw request bytes and never closes its own side (a half-open client), as an attacker's would. */
function rawRequest(port: number, request: string, waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(request));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer: false });
    }, waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true });
    });
    // The server's FIN: keep our side open, as a client holding the socket would.
    socket.on('end', () => undefined);
  });
}

const upgrade = (path: string, host = '127.0.0.1') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

describe('attacks, round five', () => {
  let berth: BerthProcess;
  let port: number;

  beforeAll(async () => {
    berth = await startBerth();
    port = Number(new URL(berth.url).port);
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it.each([
    ['a URL that does not parse', upgrade('//%'), 400],
    ['a Host header that does not parse, on a channel', upgrade('/api/v1/ws/logs?container=x', '['), 400],
    ['a path no channel serves', upgrade('/api/v1/ws/nothing'), 404],
  ])('an unauthenticated upgrade with %s is answered and its socket closed, without an uncaught error', async (_what, request, status) => {
    const before = berth.output();
    const answers = await Promise.all(Array.from({ length: 5 }, () => rawRequest(port, request)));
    for (const answer of answers) {
      expect(answer.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer.text).toContain('application/problem+json');
      expect(answer.closedByServer).toBe(true);
    }
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    expect(berth.output().slice(before.length)).not.toMatch(/uncaught|unhandled/i);
  });
});
