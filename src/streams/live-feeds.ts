import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Transform, pipeline } from 'node:stream';
import type { WebSocket } from 'ws';
import type { EngineContainerStats, EngineEvent } from '../docker/engine-types.js';
import { engineTime, parseLogTime } from '../common/log-time.js';
import { redactsFor } from '../common/redaction.js';
import { toStats } from '../stats/container-stats.js';
import type { ContainerStatsDto } from '../stats/container-stats.dto.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime, StreamSource } from './channel-runtime.js';
import { CloseCode } from './close-codes.js';
import { EventsStreamQueryDto, StatsStreamQueryDto } from './dto/stream-query.dto.js';
import { Fanout, Subscriber } from './fanout.js';
import { StreamEvent, engineEventFilters, matchesLabels, normalizeEvent, redactEvent } from './normalize.js';
import type { Channel } from './stream-metrics.js';

export type EventsContext = ChannelContext<EventsStreamQueryDto, 'host'>;
export type StatsContext = ChannelContext<StatsStreamQueryDto, 'running container'>;

/** An item as sent: serialised once when it leaves the engine, its size that of the JSON. */
export interface Serialized<T> {
  value: T;
  json: string;
}

/** How a subscriber's items are rendered: `redacted` for viewers (see BERTH_VIEWER_REDACTION). */
type View = 'full' | 'redacted';

interface LiveStream<T> {
  /** One engine stream per key, whoever subscribes. */
  key: string;
  endReason: string;
  /** The engine stream, as the items the channel sends. */
  open: () => Promise<Readable>;
  view?: View;
  redact?: (item: T) => T;
}

/**
 * A live channel: one engine stream per key (events: host and filters; stats: container), shared
 * by all its subscribers and closed when the last one leaves. Events with `since` replay from the
 * engine's memory, so such a stream is its subscriber's own.
 */
abstract class LiveFeed<T, C extends StreamSource> implements ChannelFeed<C>, OnModuleDestroy {
  private readonly feeds = new Map<string, Fanout<Serialized<T>, View>>();

  constructor(
    protected readonly runtime: ChannelRuntime,
    private readonly channel: Channel,
  ) {}

  abstract attach(socket: WebSocket, context: C): void;

  onModuleDestroy(): void {
    for (const feed of this.feeds.values()) feed.close();
  }

  protected subscribe(socket: WebSocket, context: C, stream: LiveStream<T>): void {
    const subscriber = new Subscriber<Serialized<T>, View>(socket, stream.view ?? 'full');
    let feed: Fanout<Serialized<T>, View> | undefined;
    if (!this.runtime.admit(socket, this.channel, context, () => feed?.remove(subscriber))) return;
    feed = this.feeds.get(stream.key);
    if (feed) {
      feed.add(subscriber);
      return;
    }
    const { key, redact } = stream;
    const uncount = this.runtime.engineStreamOpened(this.channel);
    const created = new Fanout<Serialized<T>, View>(this.runtime.limits, {
      batch: false,
      encode: ([item], view) => Buffer.from(view === 'redacted' && redact ? JSON.stringify(redact(item.value)) : item.json),
      sizeOf: (item) => item.json.length,
      endReason: stream.endReason,
      resumeHint: () => 'too slow: reconnect to resume',
      onClosed: () => {
        uncount();
        if (this.feeds.get(key) === created) this.feeds.delete(key);
      },
    });
    feed = created;
    this.feeds.set(key, created);
    created.add(subscriber);
    stream.open().then(
      (items) => created.attach(items),
      (error: { detail?: string }) => created.end(CloseCode.internalError, error.detail ?? 'the engine refused the stream'),
    );
  }
}

/** `/api/v1/ws/events`: the host's engine events, normalised; viewers get exec arguments redacted. */
@Injectable()
export class EventsFeed extends LiveFeed<StreamEvent, EventsContext> {
  constructor(runtime: ChannelRuntime) {
    super(runtime, 'events');
  }

  attach(socket: WebSocket, context: EventsContext): void {
    const { engine, principal, query } = context;
    // One engine stream for all with the same filters, rendered once per view.
    const view: View = redactsFor(this.runtime.config.viewerRedaction, principal.role) ? 'redacted' : 'full';
    const filters = engineEventFilters(query);
    const since = query.since === undefined ? null : parseLogTime(query.since);
    // The engine matches labels on attributes redaction hides (an exec's command line): a viewer's events are
    // matched again once redacted, so that a label filter cannot confirm a guess at what a viewer may not see.
    const recheck = view === 'redacted' && query.label !== undefined;
    const key = `events:${engine.host.id}:${JSON.stringify(filters)}${recheck ? ':redacted' : ''}`;
    this.subscribe(socket, context, {
      key: since === null ? key : `${key}:since:${randomUUID()}`,
      endReason: 'the engine event stream ended',
      open: async () => {
        const events = pipeline(
          await engine.openEvents(filters, since === null ? undefined : engineTime(since)),
          serializing((event: EngineEvent) => normalizeEvent(event)),
          () => undefined,
        );
        if (!recheck) return events;
        return pipeline(
          events,
          dropping((item: Serialized<StreamEvent>) => !matchesLabels(redactEvent(item.value), query.label!)),
          () => undefined,
        );
      },
      view,
      redact: redactEvent,
    });
  }
}

/** `/api/v1/ws/stats`: a running container's samples, as `GET /containers/{id}/stats` answers one. */
@Injectable()
export class StatsFeed extends LiveFeed<ContainerStatsDto, StatsContext> {
  constructor(runtime: ChannelRuntime) {
    super(runtime, 'stats');
  }

  attach(socket: WebSocket, context: StatsContext): void {
    const { engine, target } = context;
    this.subscribe(socket, context, {
      key: `stats:${engine.host.id}:${target.id}`,
      endReason: 'container stopped',
      open: async () => pipeline(await engine.openStats(target), statsUntilStopped(), () => undefined),
    });
  }
}

/** The engine keeps a stopped container's stats stream open with empty samples: end it at the first. */
function statsUntilStopped(): Transform {
  const serialize = serializer(toStats);
  return new Transform({
    objectMode: true,
    transform(sample: EngineContainerStats, _encoding, done) {
      if (!sample.read || sample.read.startsWith('0001-')) {
        this.push(null);
        return done();
      }
      done(null, serialize(sample));
    },
  });
}

/** Drops the items `drop` names. */
function dropping<T>(drop: (item: T) => boolean): Transform {
  return new Transform({
    objectMode: true,
    transform(item: T, _encoding, done) {
      done(null, drop(item) ? undefined : item);
    },
  });
}

function serializer<A, B>(map: (item: A) => B): (item: A) => Serialized<B> {
  return (item) => {
    const value = map(item);
    return { value, json: JSON.stringify(value) };
  };
}

function serializing<A, B>(map: (item: A) => B): Transform {
  const serialize = serializer(map);
  return new Transform({
    objectMode: true,
    transform(item: A, _encoding, done) {
      done(null, serialize(item));
    },
  });
}

export const eventsChannel = declareChannel({
  name: 'events',
  path: '/api/v1/ws/events',
  query: EventsStreamQueryDto,
  repeated: ['type', 'action', 'container', 'label'],
  role: 'viewer',
  target: 'host',
  feed: EventsFeed,
});

export const statsChannel = declareChannel({
  name: 'stats',
  path: '/api/v1/ws/stats',
  query: StatsStreamQueryDto,
  role: 'viewer',
  target: 'running container',
  feed: StatsFeed,
});
