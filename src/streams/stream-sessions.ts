import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { Authenticator, Revocation, endsAccessOn } from '../auth/authenticator.js';
import type { Principal } from '../common/principal.js';
import { AppConfig } from '../config/app-config.js';
import { CloseCode } from './close-codes.js';
import { Channel, StreamMetrics } from './stream-metrics.js';
import { WsTickets } from './ws-tickets.js';

interface Session {
  principal: Principal;
  channel: Channel;
  /** The host it streams from; undefined for a channel across hosts. */
  hostId?: string;
  alive: boolean;
  /** Releases what the channel holds (engine stream, exec); called once. */
  teardown: () => void;
}

/** How long shutdown waits for clients to answer the 1001 close before cutting them. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Every open stream socket, whatever its channel: the per-user cap, pings, closing on
 * revocation and on shutdown. Channels admit a socket here before they open anything.
 */
@Injectable()
export class StreamSessions implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('StreamSessions');
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly perUser = new Map<string, number>();
  private pinger?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private shuttingDown = false;

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
    private readonly tickets: WsTickets,
    private readonly metrics: StreamMetrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.authenticator.onRevoked((revocation) => this.revoke(revocation));
    this.pinger = setInterval(() => this.ping(), this.config.streamPingIntervalMs).unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.pinger);
  }

  /**
   * Registers a freshly upgraded socket. False, and the socket closed, when the user already holds their cap of
   * streams (1013), their access ended or changed since it was checked (1008), or the server is going away (1001).
   */
  admit(socket: WebSocket, principal: Principal, channel: Channel, teardown: () => void, hostId?: string): boolean {
    if (this.shuttingDown) {
      socket.close(CloseCode.goingAway, 'server shutting down');
      return false;
    }
    // Checked at the upgrade, then an engine call or two: a revocation meanwhile found no socket to close.
    if (this.authenticator.revokedSince(principal)) {
      this.metrics.closes.inc({ channel, code: String(CloseCode.policyViolation) });
      socket.close(CloseCode.policyViolation, 'credentials revoked');
      return false;
    }
    const open = this.perUser.get(principal.userId) ?? 0;
    if (open >= this.config.streamsPerUser) {
      this.metrics.closes.inc({ channel, code: String(CloseCode.tryAgainLater) });
      socket.close(CloseCode.tryAgainLater, `too many open streams (at most ${this.config.streamsPerUser} per user)`);
      return false;
    }
    const session: Session = { principal, channel, hostId, alive: true, teardown: once(teardown) };
    this.sessions.set(socket, session);
    this.perUser.set(principal.userId, open + 1);
    this.metrics.openSockets.inc({ channel });
    socket.on('pong', () => (session.alive = true));
    socket.once('close', (code) => {
      this.sessions.delete(socket);
      const left = (this.perUser.get(principal.userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(principal.userId, left);
      else this.perUser.delete(principal.userId);
      this.metrics.openSockets.dec({ channel });
      this.metrics.closes.inc({ channel, code: String(code) });
      session.teardown();
    });
    return true;
  }

  /** Closes a socket and releases its engine side at once, without waiting for the client's answer. */
  end(socket: WebSocket, code: number, reason: string): void {
    this.sessions.get(socket)?.teardown();
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(code, reason);
  }

  revoke(revocation: Revocation): void {
    this.tickets.revoke(revocation);
    for (const [socket, { principal, hostId }] of this.sessions) {
      if (endsAccessOn(revocation, principal, hostId)) this.end(socket, CloseCode.policyViolation, 'credentials revoked');
    }
  }

  /** Every socket gets a 1001 close frame; those that do not answer in time are cut. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const sockets = [...this.sessions.keys()];
    if (sockets.length === 0) return;
    this.logger.log(`closing ${sockets.length} stream(s) for shutdown`);
    const closed = sockets.map((socket) =>
      socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    for (const socket of sockets) this.end(socket, CloseCode.goingAway, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    for (const socket of sockets) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  /** A peer that did not answer the previous ping is gone (no FIN ever came): drop it. */
  private ping(): void {
    for (const [socket, session] of this.sessions) {
      // A socket Berth paused (its process reads slowly) cannot read the pong: not a dead peer.
      // A closing one is cut by ws itself if the client never answers the close.
      if (socket.isPaused || socket.readyState !== WebSocket.OPEN) continue;
      if (!session.alive) {
        socket.terminate();
        continue;
      }
      session.alive = false;
      socket.ping();
    }
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
