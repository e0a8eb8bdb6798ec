import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { EXEC_SUBPROTOCOL, ExecContext, ExecSessions } from './exec-sessions.js';
import { EventsContext, LiveFeeds, StatsContext } from './live-feeds.js';
import { LogStreams, LogsContext } from './log-streams.js';
import { StreamMetrics } from './stream-metrics.js';
import { takeUpgradeContext, verifyUpgrade } from './upgrade.js';

/** The channel paths; openapi/asyncapi.yaml documents each (a test checks). */
export const STREAM_CHANNELS = {
  logs: '/api/v1/ws/logs',
  exec: '/api/v1/ws/exec',
  events: '/api/v1/ws/events',
  stats: '/api/v1/ws/stats',
} as const;

/** Clients send little or nothing (exec stdin, resizes): a large frame is an abuse. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

// The gateways are thin: everything that can refuse runs in `prepare` before the handshake
// (ws `verifyClient`), the connection handler only hands the socket to its service.

@WebSocketGateway({ path: STREAM_CHANNELS.logs, maxPayload: MAX_CLIENT_FRAME_BYTES })
export class LogsGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  constructor(
    private readonly logs: LogStreams,
    private readonly metrics: StreamMetrics,
  ) {}

  afterInit(server: WebSocketServer): void {
    server.options.verifyClient = verifyUpgrade('logs', this.metrics, (request, url) => this.logs.prepare(request, url));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const context = takeUpgradeContext<LogsContext>(request);
    if (context) this.logs.attach(socket, context);
  }
}

@WebSocketGateway({
  path: STREAM_CHANNELS.exec,
  maxPayload: MAX_CLIENT_FRAME_BYTES,
  // Kubernetes clients offer their framing as a subprotocol; plain clients offer none.
  handleProtocols: (protocols: Set<string>) => (protocols.has(EXEC_SUBPROTOCOL) ? EXEC_SUBPROTOCOL : false),
})
export class ExecGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  constructor(
    private readonly exec: ExecSessions,
    private readonly metrics: StreamMetrics,
  ) {}

  afterInit(server: WebSocketServer): void {
    server.options.verifyClient = verifyUpgrade('exec', this.metrics, (request, url) => this.exec.prepare(request, url));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const context = takeUpgradeContext<ExecContext>(request);
    if (context) this.exec.attach(socket, context, request.socket.remoteAddress);
  }
}

@WebSocketGateway({ path: STREAM_CHANNELS.events, maxPayload: MAX_CLIENT_FRAME_BYTES })
export class EventsGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  constructor(
    private readonly feeds: LiveFeeds,
    private readonly metrics: StreamMetrics,
  ) {}

  afterInit(server: WebSocketServer): void {
    server.options.verifyClient = verifyUpgrade('events', this.metrics, (request, url) => this.feeds.prepareEvents(request, url));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const context = takeUpgradeContext<EventsContext>(request);
    if (context) this.feeds.attachEvents(socket, context);
  }
}

@WebSocketGateway({ path: STREAM_CHANNELS.stats, maxPayload: MAX_CLIENT_FRAME_BYTES })
export class StatsGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  constructor(
    private readonly feeds: LiveFeeds,
    private readonly metrics: StreamMetrics,
  ) {}

  afterInit(server: WebSocketServer): void {
    server.options.verifyClient = verifyUpgrade('stats', this.metrics, (request, url) => this.feeds.prepareStats(request, url));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const context = takeUpgradeContext<StatsContext>(request);
    if (context) this.feeds.attachStats(socket, context);
  }
}
