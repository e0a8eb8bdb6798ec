import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { EngineStreamTarget } from '../docker/engine-types.js';
import type { LogLine } from '../docker/log-lines.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { CloseCode } from './close-codes.js';
import { LogsStreamQueryDto } from './dto/stream-query.dto.js';
import { Fanout, Subscriber } from './fanout.js';
import { LogRing } from './log-ring.js';
import { StreamAccess } from './stream-access.js';
import { StreamAudit } from './stream-audit.js';
import { StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';
import { engineTime, parseLogTime } from '../common/log-time.js';
import { parseStreamQuery } from './upgrade.js';
import { resolveStreamTarget } from './stream-target.js';

export interface LogsContext {
  principal: Principal;
  engine: Engine;
  target: EngineStreamTarget;
  query: LogsStreamQueryDto;
}

type View = 'ts' | 'plain';

/** Lines a shared stream keeps for later subscribers when it has no `tail` (and at most its tail otherwise). */
const REPLAY_LINES = 10_000;
const REPLAY_BYTES = 1024 * 1024;

interface SharedLog {
  fanout: Fanout<LogLine, View>;
  ring: LogRing<LogLine>;
}

const sizeOf = (line: LogLine) => line.line.length + 48;

function encode(lines: LogLine[], view: View): Buffer {
  const shaped = view === 'ts' ? lines : lines.map(({ stream, line }) => ({ stream, line }));
  return Buffer.from(JSON.stringify(shaped.length === 1 ? shaped[0] : shaped));
}

/**
 * `/api/v1/ws/logs`. Followers of one container with the same options share one engine
 * stream: the first opens it; a later one is served from the stream's replay ring (its tail,
 * or all since its `since`) and then the live lines, or gets its own stream when the ring
 * no longer holds what it asked for. Not-followed logs always get their own stream.
 */
@Injectable()
export class LogStreams implements OnModuleDestroy {
  private readonly shared = new Map<string, SharedLog>();

  constructor(
    private readonly config: AppConfig,
    private readonly hosts: DockerHosts,
    private readonly access: StreamAccess,
    private readonly sessions: StreamSessions,
    private readonly metrics: StreamMetrics,
    private readonly audit: StreamAudit,
  ) {}

  async prepare(request: IncomingMessage, url: URL): Promise<LogsContext> {
    const principal = await this.access.authorize(request, url, 'viewer');
    const query = await parseStreamQuery(LogsStreamQueryDto, url);
    if (!query.stdout && !query.stderr) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'Ask for stdout, stderr or both.', {
        errors: [{ field: 'stdout', message: 'stdout and stderr cannot both be false' }],
      });
    }
    return { principal, ...(await resolveStreamTarget(this.hosts, query, false)), query };
  }

  attach(socket: WebSocket, context: LogsContext): void {
    const subscriber = new Subscriber<LogLine, View>(socket, context.query.timestamps ? 'ts' : 'plain');
    let fanout: Fanout<LogLine, View> | undefined;
    const admitted = this.sessions.admit(socket, context.principal, 'logs', () => fanout?.remove(subscriber));
    if (!admitted) return;
    this.audit.opened('logs', context.principal, { host: context.engine.host.id, container: { id: context.target.id, name: context.target.name } });
    fanout = context.query.follow ? this.joinShared(context, subscriber) : undefined;
    if (!fanout) fanout = this.openOwn(context, subscriber);
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
      const { ring, fanout } = existing;
      // Everything asked for is in the ring: the stream's tail is its last `tail` lines, and
      // a stream without tail is all of it (since `since`) while nothing had to be dropped.
      const servable = query.tail !== undefined ? ring.length >= query.tail || !ring.evicted : !ring.evicted;
      if (!servable) return undefined;
      fanout.add(subscriber, ring.last(query.tail));
      return fanout;
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
    this.open(fanout, context);
    return fanout;
  }

  private openOwn(context: LogsContext, subscriber: Subscriber<LogLine, View>): Fanout<LogLine, View> {
    const fanout = this.newFanout(context, {});
    fanout.add(subscriber);
    this.open(fanout, context);
    return fanout;
  }

  private newFanout(context: LogsContext, hooks: { onItem?: (line: LogLine) => void; onClosed?: () => void }): Fanout<LogLine, View> {
    this.metrics.engineStreams.inc({ channel: 'logs' });
    return new Fanout<LogLine, View>(
      { bufferBytes: this.config.streamBufferBytes, stallTimeoutMs: this.config.streamStallTimeoutMs },
      {
        encode,
        sizeOf,
        endReason: context.query.follow ? 'container stopped' : 'end of log',
        resumeHint: (subscriber) => resumeHint(subscriber.last, context.query.since),
        onItem: hooks.onItem,
        onClosed: () => {
          this.metrics.engineStreams.dec({ channel: 'logs' });
          hooks.onClosed?.();
        },
      },
    );
  }

  private open(fanout: Fanout<LogLine, View>, { engine, target, query }: LogsContext): void {
    const since = query.since === undefined ? undefined : parseLogTime(query.since);
    engine
      .openLogLines(target, {
        follow: query.follow,
        stdout: query.stdout,
        stderr: query.stderr,
        tail: query.tail,
        ...(since !== null && since !== undefined && { since: engineTime(since) }),
      })
      .then(
        (lines) => fanout.attach(lines),
        (error: { detail?: string }) => fanout.end(CloseCode.internalError, error.detail ?? 'the engine refused the log stream'),
      );
  }
}

/** Where a dropped client resumes: the time of the last line it was sent, which it gets again. */
function resumeHint(last: LogLine | undefined, since: string | undefined): string {
  const from = last?.ts ?? since;
  return from ? `too slow: reconnect with since=${from} (that line comes again)` : 'too slow: reconnect to resume';
}
