import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

/**
 * Round five: an attacker's pass over the whole service (twelfth session). Each test is the attack
 * and asserts that it now fails.
 */

interface RawAnswer {
  /** The status line and what followed, as the server sent them. */
  text: string;
  /**
   * Whether the server let go of the connection within the wait, the client keeping its side open: after the
   * server's FIN the client writes on, which a closed socket answers with a reset (a half-open one takes it).
   */
  closedByServer: boolean;
}

/** Sends raw request bytes and never closes its own side (a half-open client), as an attacker's would. */
function rawRequest(port: number, request: string, waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    let probe: NodeJS.Timeout | undefined;
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(request));
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      clearInterval(probe);
      socket.destroy();
      resolve({ text, closedByServer });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
    socket.on('end', () => {
      probe = setInterval(() => socket.write('x'), 100);
    });
  });
}

const upgrade = (path: string, host = '127.0.0.1') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

const runId = newRunId();
const labels = testLabels(runId);
const containers = '/api/v1/hosts/local/containers';

describe('attacks, round five', () => {
  let berth: BerthProcess;
  let port: number;
  let operator: string;

  beforeAll(async () => {
    berth = await startBerth();
    port = Number(new URL(berth.url).port);
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
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

  it("an operator may not start or restart an admin's exception (a bind of the host's /etc): 403, and it does not run", async () => {
    const name = uniqueName('r5-exception');
    const made = await api(berth.url, containers, {
      method: 'POST',
      token: berth.token,
      body: { image: TEST_IMAGE, name, labels, binds: ['/etc:/host-etc:ro'], cmd: ['sleep', '300'] },
    });
    expect(made.status, made.text).toBe(201);
    for (const action of ['start', 'restart']) {
      const refused = await api(berth.url, `${containers}/${name}/${action}`, { method: 'POST', token: operator });
      expectProblem(refused, 403, 'POLICY_DENIED');
      expect(refused.body.rules).toContain('bind-outside-allowed-roots');
    }
    expect((await docker.getContainer(made.body.id).inspect()).State.Running).toBe(false);
    // An operator's own container starts as before.
    const own = await api(berth.url, containers, {
      method: 'POST',
      token: operator,
      body: { image: TEST_IMAGE, labels, cmd: ['sleep', '300'] },
    });
    expect(own.status, own.text).toBe(201);
    expect((await api(berth.url, `${containers}/${own.body.id}/start`, { method: 'POST', token: operator })).status).toBe(204);
    expect((await api(berth.url, `${containers}/${own.body.id}/restart?timeout=0`, { method: 'POST', token: operator })).status).toBe(204);
  });

  it('unauthenticated POSTs with 15 kB paths leave no audit rows; a failed login still does', async () => {
    const since = new Date().toISOString();
    const long = 'a'.repeat(15_000);
    for (let i = 0; i < 20; i++) {
      expect((await api(berth.url, `/api/v1/hosts/${long}/containers`, { method: 'POST', body: {} })).status).toBe(401);
    }
    const login = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'r5-nobody', password: 'wrong-password' },
    });
    expect(login.status).toBe(401);
    const query = (q: string) => api(berth.url, `/api/v1/audit?from=${encodeURIComponent(since)}&${q}`, { token: berth.token });
    const flood = await query(`action=${encodeURIComponent('POST /api/v1/hosts/:host/containers')}`);
    expect(flood.status).toBe(200);
    expect(flood.body.items.filter((e: { status: number }) => e.status === 401)).toEqual([]);
    const logins = await query(`action=${encodeURIComponent('POST /api/v1/auth/login')}`);
    expect(logins.body.items.some((e: { status: number }) => e.status === 401)).toBe(true);
  });
});
