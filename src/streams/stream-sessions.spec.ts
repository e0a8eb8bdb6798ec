import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { Authenticator, Revocation } from '../auth/authenticator.js';
import { Metrics } from '../common/metrics.js';
import type { Principal } from '../common/principal.js';
import { AppConfig } from '../config/app-config.js';
import { StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';
import { WsTickets } from './ws-tickets.js';

class FakeSocket extends EventEmitter {
  readyState = 1;
  closedWith?: number;
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close', code);
  }
  ping = vi.fn();
  terminate = vi.fn();
}

class FakeAuthenticator extends Authenticator {
  listener?: (revocation: Revocation) => void;
  /** Principals a revocation ended after they were checked. */
  readonly stale = new Set<Principal>();
  authenticate() {
    return Promise.resolve(null);
  }
  onRevoked(listener: (revocation: Revocation) => void) {
    this.listener = listener;
    return () => undefined;
  }
  revokedSince(principal: Principal) {
    return this.stale.has(principal);
  }
}

const alice: Principal = { kind: 'apiKey', userId: 'u1', username: 'alice', role: 'viewer', apiKeyId: 'k1' };
const aliceSession: Principal = { kind: 'user', userId: 'u1', username: 'alice', role: 'viewer' };
const bob: Principal = { kind: 'user', userId: 'u2', username: 'bob', role: 'admin' };

function setup(config = new AppConfig({ streamsPerUser: 2 })) {
  const authenticator = new FakeAuthenticator();
  const tickets = new WsTickets();
  const sessions = new StreamSessions(config, authenticator, tickets, new StreamMetrics(new Metrics()));
  sessions.onModuleInit();
  return { authenticator, tickets, sessions };
}

const socket = () => new FakeSocket() as FakeSocket & WebSocket;

describe('StreamSessions', () => {
  it('refuses with 1008 a socket whose principal a revocation ended after it was checked (before the socket was admitted)', () => {
    const { authenticator, sessions } = setup();
    authenticator.stale.add(aliceSession);
    const late = socket();
    expect(sessions.admit(late, aliceSession, 'exec', () => undefined)).toBe(false);
    expect(late.closedWith).toBe(1008);
    expect(sessions.admit(socket(), alice, 'exec', () => undefined)).toBe(true);
  });

  it('closes a stream over the per-user cap with 1013 and counts a user across keys and sessions', () => {
    const { sessions } = setup();
    const [a, b, c, d] = [socket(), socket(), socket(), socket()];
    expect(sessions.admit(a, alice, 'logs', () => undefined)).toBe(true);
    expect(sessions.admit(b, aliceSession, 'logs', () => undefined)).toBe(true);
    expect(sessions.admit(c, alice, 'exec', () => undefined)).toBe(false);
    expect(c.closedWith).toBe(1013);
    expect(sessions.admit(d, bob, 'logs', () => undefined)).toBe(true);
    a.close(1000);
    expect(sessions.admit(socket(), alice, 'logs', () => undefined)).toBe(true);
    sessions.onModuleDestroy();
  });

  it('closes the sockets of a revoked key with 1008 at once, releases their streams and burns their tickets', () => {
    const { sessions, authenticator, tickets } = setup(new AppConfig());
    const keySocket = socket();
    const sessionSocket = socket();
    const teardown = vi.fn();
    sessions.admit(keySocket, alice, 'logs', teardown);
    sessions.admit(sessionSocket, aliceSession, 'logs', () => undefined);
    const { ticket } = tickets.issue(alice);
    authenticator.listener!({ apiKeyId: 'k1' });
    expect(keySocket.closedWith).toBe(1008);
    expect(teardown).toHaveBeenCalledOnce();
    expect(sessionSocket.closedWith).toBeUndefined();
    expect(tickets.redeem(ticket)).toBeNull();
    authenticator.listener!({ userId: 'u1' });
    expect(sessionSocket.closedWith).toBe(1008);
    sessions.onModuleDestroy();
  });

  it("closes a user's login sessions with 1008 and burns their tickets on a password change; their keys' streams stay", () => {
    const { sessions, authenticator, tickets } = setup(new AppConfig());
    const keySocket = socket();
    const sessionSocket = socket();
    sessions.admit(keySocket, alice, 'logs', () => undefined);
    sessions.admit(sessionSocket, aliceSession, 'exec', () => undefined);
    const sessionTicket = tickets.issue(aliceSession).ticket;
    const keyTicket = tickets.issue(alice).ticket;
    authenticator.listener!({ userId: 'u1', sessionsOnly: true });
    expect(sessionSocket.closedWith).toBe(1008);
    expect(keySocket.closedWith).toBeUndefined();
    expect(tickets.redeem(sessionTicket)).toBeNull();
    expect(tickets.redeem(keyTicket)).toEqual(alice);
    sessions.onModuleDestroy();
  });

  it('sends 1001 to every socket on shutdown and refuses new ones', async () => {
    const { sessions } = setup(new AppConfig());
    const open = socket();
    sessions.admit(open, bob, 'events', () => undefined);
    await sessions.beforeApplicationShutdown();
    expect(open.closedWith).toBe(1001);
    const late = socket();
    expect(sessions.admit(late, bob, 'events', () => undefined)).toBe(false);
    expect(late.closedWith).toBe(1001);
    sessions.onModuleDestroy();
  });
});

describe('WsTickets', () => {
  it('redeems a ticket once, for the principal it was issued to, within 30 seconds', () => {
    vi.useFakeTimers();
    try {
      const tickets = new WsTickets();
      const first = tickets.issue(bob);
      expect(tickets.redeem(first.ticket)).toEqual(bob);
      expect(tickets.redeem(first.ticket)).toBeNull();
      const late = tickets.issue(bob);
      vi.advanceTimersByTime(30_001);
      expect(tickets.redeem(late.ticket)).toBeNull();
      expect(tickets.redeem('made-up')).toBeNull();
      tickets.onModuleDestroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
