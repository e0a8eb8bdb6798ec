import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Transform, pipeline } from 'node:stream';
import type { WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { EngineClient } from '../docker/engine-client.js';
import type { EngineContainerStats, EngineEvent, EngineStreamTarget } from '../docker/engine-types.js';
import type { Principal } from '../common/principal.js';
import { redactsFor } from '../common/redaction.js';
import { CloseCode } from './close-codes.js';
import { EventsStreamQueryDto, StatsStreamQueryDto } from './dto/stream-query.dto.js';
import { Fanout, Subscriber } from './fanout.js';
import { toStats } from '../stats/container-stats.js';
import { StreamEvent, normalizeEvent, redactEvent } from './normalize.js';
import { StreamAccess } from './stream-access.js';
import { StreamAudit, StreamWhere } from './stream-audit.js';
import { Channel, StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';
import { parseStreamQuery } from './upgrade.js';
import { resolveStreamTarget } from './stream-target.js';

export interface EventsContext {
  principal: Principal;
  engine: EngineClient;
}

export interface StatsContext extends EventsContext {
  target: EngineStreamTarget;
}

type Item = object;
/** How a subscriber's items are rendered: `redacted` for viewers (see BERTH_VIEWER_REDACTION). */
type View = 'full' | 'redacted';

/**
 * `/api/v1/ws/events` and `/api/v1/ws/stats`: one engine stream per host (events) or per
 * container (stats), shared by all its subscribers and closed when the last one leaves.
 * Nothing is replayed: both are "from now on".
 */
@Injectable()
export class LiveFeeds implements OnModuleDestroy {
  private readonly feeds = new Map<string, Fanout<Item, View>>();

  constructor(
    private readonly config: AppConfig,
    private readonly hosts: DockerHosts,
    private readonly access: StreamAccess,
    private readonly sessions: StreamSessions,
    private readonly metrics: StreamMetrics,
    private readonly audit: StreamAudit,
  ) {}

  async prepareEvents(request: IncomingMessage, url: URL): Promise<EventsContext> {
    const principal = await this.access.authorize(request, url, 'viewer');
    const query = await parseStreamQuery(EventsStreamQueryDto, url);
    return { principal, engine: this.hosts.get(query.host) };
  }

  async prepareStats(request: IncomingMessage, url: URL): Promise<StatsContext> {
    const principal = await this.access.authorize(request, url, 'viewer');
    const query = await parseStreamQuery(StatsStreamQueryDto, url);
    return { principal, ...(await resolveStreamTarget(this.hosts, query, true)) };
  }

  attachEvents(socket: WebSocket, { principal, engine }: EventsContext): void {
    // One engine stream for all, rendered once per view: viewers get exec arguments redacted.
    const view: View = redactsFor(this.config.viewerRedaction, principal.role) ? 'redacted' : 'full';
    this.subscribe(
      'events',
      socket,
      principal,
      { host: engine.host.id },
      `events:${engine.host.id}`,
      'the engine event stream ended',
      async () => pipeline(await engine.openEvents(), mapping((event: EngineEvent) => normalizeEvent(event)), () => undefined),
      { view, redact: (event) => redactEvent(event as StreamEvent) },
    );
  }

  attachStats(socket: WebSocket, { principal, engine, target }: StatsContext): void {
    const where = { host: engine.host.id, container: { id: target.id, name: target.name } };
    this.subscribe('stats', socket, principal, where, `stats:${engine.host.id}:${target.id}`, 'container stopped', async () =>
      pipeline(await engine.openStats(target), statsUntilStopped(), () => undefined),
    );
  }

  onModuleDestroy(): void {
    for (const feed of this.feeds.values()) feed.close();
  }

  private subscribe(
    channel: Channel,
    socket: WebSocket,
    principal: Principal,
    where: StreamWhere,
    key: string,
    endReason: string,
    open: () => Promise<Readable>,
    redaction: { view: View; redact?: (item: Item) => Item } = { view: 'full' },
  ): void {
    const subscriber = new Subscriber<Item, View>(socket, redaction.view);
    let feed: Fanout<Item, View> | undefined;
    if (!this.sessions.admit(socket, principal, channel, () => feed?.remove(subscriber))) return;
    this.audit.opened(channel, principal, where);
    feed = this.feeds.get(key);
    if (feed) {
      feed.add(subscriber);
      return;
    }
    const { redact } = redaction;
    const created = new Fanout<Item, View>(
      { bufferBytes: this.config.streamBufferBytes, stallTimeoutMs: this.config.streamStallTimeoutMs },
      {
        batch: false,
        encode: (items, view) => Buffer.from(JSON.stringify(view === 'redacted' && redact ? redact(items[0]) : items[0])),
        sizeOf: () => 256,
        endReason,
        resumeHint: () => 'too slow: reconnect to resume',
        onClosed: () => {
          this.metrics.engineStreams.dec({ channel });
          if (this.feeds.get(key) === created) this.feeds.delete(key);
        },
      },
    );
    feed = created;
    this.feeds.set(key, created);
    this.metrics.engineStreams.inc({ channel });
    created.add(subscriber);
    open().then(
      (stream) => created.attach(stream),
      (error: { detail?: string }) => created.end(CloseCode.internalError, error.detail ?? 'the engine refused the stream'),
    );
  }
}

/** The engine keeps a stopped container's stats stream open with empty samples: end it at the first. */
function statsUntilStopped(): Transform {
  return new Transform({
    objectMode: true,
    transform(sample: EngineContainerStats, _encoding, done) {
      if (!sample.read || sample.read.startsWith('0001-')) {
        this.push(null);
        return done();
      }
      // The same sample as GET /containers/{id}/stats answers.
      done(null, toStats(sample));
    },
  });
}

function mapping<A, B>(map: (item: A) => B): Transform {
  return new Transform({
    objectMode: true,
    transform(item: A, _encoding, done) {
      done(null, map(item));
    },
  });
}
