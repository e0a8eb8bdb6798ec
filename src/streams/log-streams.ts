import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { EngineLogStreamOptions } from '../docker/engine-types.js';
import type { LogFrame } from '../docker/log-frames.js';
import type { LogLine } from '../docker/log-lines.js';
import { ProblemException } from '../common/problem.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode } from './close-codes.js';
import { LogsStreamQueryDto, ServiceLogsStreamQueryDto } from './dto/stream-query.dto.js';
import { Fanout, Subscriber } from './fanout.js';
import { LogRing } from './log-ring.js';
import { engineTime, parseLogTime } from '../common/log-time.js';

/** What a log channel reads: a container's log or a service's (its tasks'), with the same options. */
type LogOptionsQuery = Pick<LogsStreamQueryDto, 'host' | 'follow' | 'tail' | 'since' | 'stdout' | 'stderr'>;
export type LogsContext = ChannelContext<LogOptionsQuery, 'container'>;

/** One view: every subscriber gets the same frames. */
type View = 'lines';

type LogReader = (engine: LogsContext['engine'], target: LogsContext['target'], options: EngineLogStreamOptions) => Promise<Readable>;

/** Lines a shared stream keeps for later subscribers when it has no `tail` (and at most its tail otherwise). */
const REPLAY_LINES = 10_000;
const REPLAY_BYTES = 1024 * 1024;

interface SharedLog {
  fanout: Fanout<LogLine, View>;
  ring: LogRing<LogLine>;
}

const sizeOf = (line: LogLine) => line.line.length + 48;

/** A frame is always a JSON array of `{stream, ts, line}`, one per line of the batch (also when it holds one). */
function encode(lines: LogLine[]): Buffer {
  return Buffer.from(JSON.stringify(lines));
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Frames made by the engine reader (LogFrameEncoder), a read each, batched into one array (fewer, larger WebSocket frames). */
function joinFrames(frames: LogFrame[]): Buffer {
  if (frames.length === 1) return frames[0].json;
  const parts: Buffer[] = [OPEN];
  for (const [i, frame] of frames.entries()) parts.push(...(i === 0 ? [] : [COMMA]), frame.json.subarray(1, -1));
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * `/api/v1/ws/logs`. Followers of one container with the same options share one engine
 * stream: the first opens it; a later one is served from the stream's replay ring (its tail,
 * or all since its `since`) and then the live lines, or gets its own stream when the ring
 * no longer holds what it asked for. Not-followed logs always get their own stream, read
 * straight into frames (LogFrameEncoder: no object, string or JSON.stringify per line).
 */
@Injectable()
export class LogStreams implements ChannelFeed<LogsContext>, OnModuleDestroy {
  private readonly shared = new Map<string, SharedLog>();

  constructor(private readonly runtime: ChannelRuntime) {}

  attach(socket: WebSocket, context: LogsContext): void {
    if (!context.query.follow) return this.attachHistory(socket, context);
    const subscriber = new Subscriber<LogLine, View>(socket, 'lines');
    let fanout: Fanout<LogLine, View> | undefined;
    if (!this.runtime.admit(socket, 'logs', context, () => fanout?.remove(subscriber))) return;
    fanout = this.joinShared(context, subscriber);
    if (!fanout) fanout = this.openOwn(context, subscriber);
  }

  /** A log read to its end: one reader, so its own engine stream, read as ready frames. */
  private attachHistory(socket: WebSocket, context: LogsContext): void {
    const subscriber = new Subscriber<LogFrame, View>(socket, 'lines');
    let uncount = () => {};
    const fanout = new Fanout<LogFrame, View>(this.runtime.limits, {
      encode: joinFrames,
      sizeOf: (frame) => frame.json.length,
      endReason: 'end of log',
      resumeHint: (s) => resumeHint(s.last?.lastTs, context.query.since),
      onClosed: () => uncount(),
    });
    if (!this.runtime.admit(socket, 'logs', context, () => fanout.remove(subscriber))) return;
    uncount = this.runtime.engineStreamOpened('logs');
    fanout.add(subscriber);
    this.open(fanout, context, (engine, target, options) => engine.openLogFrames(target, options));
  }

  onModuleDestroy(): void {
    for (const { fanout } of this.shared.values()) fanout.close();
  }

  /** Joins (or starts) the shared stream for these options; undefined when its ring cannot serve this client. */
  private joinShared(context: LogsContext, subscriber: Subscriber<LogLine, View>): Fanout<LogLine, View> | undefined {
    const { query, target, engine } = context;
    const key = JSON.stringify([engine.host.id, target.id, query.stdout, query.stderr, query.tail ?? null, query.since ?? null]);
    const existing = this.shared.get(key);
    if (existing) {
      const replay = replayFor(existing.ring, query.tail);
      if (!replay) return undefined;
      existing.fanout.add(subscriber, replay);
      return existing.fanout;
    }
    const ring = new LogRing<LogLine>(Math.min(query.tail ?? REPLAY_LINES, REPLAY_LINES), REPLAY_BYTES, sizeOf);
    const fanout = this.newFanout(context, {
      onItem: (line) => ring.push(line),
      onClosed: () => {
        if (this.shared.get(key)?.fanout === fanout) this.shared.delete(key);
      },
    });
    this.shared.set(key, { fanout, ring });
    fanout.add(subscriber);
    this.open(fanout, context, (engine, target, options) => engine.openLogLines(target, options));
    return fanout;
  }

  private openOwn(context: LogsContext, subscriber: Subscriber<LogLine, View>): Fanout<LogLine, View> {
    const fanout = this.newFanout(context, {});
    fanout.add(subscriber);
    this.open(fanout, context, (engine, target, options) => engine.openLogLines(target, options));
    return fanout;
  }

  private newFanout(context: LogsContext, hooks: { onItem?: (line: LogLine) => void; onClosed?: () => void }): Fanout<LogLine, View> {
    const uncount = this.runtime.engineStreamOpened('logs');
    return new Fanout<LogLine, View>(this.runtime.limits, {
      encode,
      sizeOf,
      endReason: context.query.follow ? (context.target.service ? 'service removed' : 'container stopped') : 'end of log',
      resumeHint: (subscriber) => resumeHint(subscriber.last?.ts, context.query.since),
      onItem: hooks.onItem,
      onClosed: () => {
        uncount();
        hooks.onClosed?.();
      },
    });
  }

  private open<T>(fanout: Fanout<T, View>, { engine, target, query }: LogsContext, read: LogReader): void {
    const since = query.since === undefined ? undefined : parseLogTime(query.since);
    read(engine, target, {
      follow: query.follow,
      stdout: query.stdout,
      stderr: query.stderr,
      tail: query.tail,
      // Always: each line's `ts` is how a client resumes (`since`) after a drop.
      timestamps: true,
      ...(since !== null && since !== undefined && { since: engineTime(since) }),
    }).then(
      (lines) => fanout.attach(lines),
      (error: { detail?: string }) => fanout.end(CloseCode.internalError, error.detail ?? 'the engine refused the log stream'),
    );
  }
}

/**
 * What a follower joining a shared stream is sent first, or undefined when the ring cannot
 * serve it (it then gets its own stream). The stream's tail is its last `tail` lines; a
 * stream without tail is all of it (since `since`), so only while nothing was dropped.
 */
export function replayFor<T>(ring: LogRing<T>, tail: number | undefined): T[] | undefined {
  const servable = tail !== undefined ? ring.length >= tail || !ring.evicted : !ring.evicted;
  return servable ? ring.last(tail) : undefined;
}

/** Where a dropped client resumes: the time of the last line it was sent, which it gets again. */
function resumeHint(lastTs: string | undefined, since: string | undefined): string {
  const from = lastTs ?? since;
  return from ? `too slow: reconnect with since=${from} (that line comes again)` : 'too slow: reconnect to resume';
}

/** Both log channels need at least one of the two streams. */
function validateStreams(query: LogOptionsQuery): void {
  if (!query.stdout && !query.stderr) {
    throw new ProblemException(400, 'VALIDATION_FAILED', 'Ask for stdout, stderr or both.', {
      errors: [{ field: 'stdout', message: 'stdout and stderr cannot both be false' }],
    });
  }
}

/** `/api/v1/ws/logs?container=`: a container's log, followed or not. */
export const logsChannel = declareChannel<'container', LogsStreamQueryDto, LogStreams>({
  name: 'logs',
  path: '/api/v1/ws/logs',
  query: LogsStreamQueryDto,
  role: 'viewer',
  target: 'container',
  validate: validateStreams,
  feed: LogStreams,
});

/** `/api/v1/ws/service-logs?service=`: a Swarm service's log (its tasks' lines), followed or not, as a container's. */
export const serviceLogsChannel = declareChannel<'service', ServiceLogsStreamQueryDto, LogStreams>({
  name: 'service-logs',
  path: '/api/v1/ws/service-logs',
  query: ServiceLogsStreamQueryDto,
  role: 'viewer',
  target: 'service',
  validate: validateStreams,
  feed: LogStreams,
});
