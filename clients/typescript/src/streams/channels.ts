// The read-only channels (logs, events, stats, job events): JSON text frames, read with `for await`.
// Leaving the loop early closes the stream; a close other than 1000 is thrown as a BerthStreamError.
import type { ContainerStatsDto, JobEventDto, LogLineDto } from '../generated/types.gen.js';
import { type Query, type StreamConnection, openSocket } from './socket.js';

export type LogLine = LogLineDto;
export type StatsSample = ContainerStatsDto;
export type JobEvent = JobEventDto;

/** One engine event (`docker events`), as /api/v1/ws/events sends it. */
export interface EngineEvent {
  /** container, image, network, volume, daemon, plugin... */
  type: string;
  /** create, start, die, stop, destroy, pull, tag... */
  action: string;
  actor: { id?: string; attributes?: Record<string, string> };
  scope?: string;
  time: string;
  timeNano: number;
}

export interface LogsQuery {
  host?: string;
  /** Container id, id prefix or name. */
  container: string;
  /** Keep the stream open for new lines (default true); false: the lines there are, then the end. */
  follow?: boolean;
  tail?: number | 'all';
  /** RFC 3339, unix seconds or a duration before now (`10m`). */
  since?: string;
  timestamps?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

export interface EventsQuery {
  host?: string;
  /** Filters of the engine (`docker events --filter`), where Berth takes them. */
  type?: string;
  action?: string;
  container?: string;
  label?: string | readonly string[];
  since?: string;
}

export interface StatsQuery {
  host?: string;
  container: string;
}

/**
 * An open stream, read with `for await`: opening starts at once (`opened` resolves once it is open, or
 * rejects as the first read would); leaving the loop or `close()` closes it.
 */
export type Stream<T> = AsyncGenerator<T, void, undefined> & { opened: Promise<void>; close(): void };

/** `docker logs -f`: one line at a time, whether a frame carries one line or an array of them. */
export function logs(connection: StreamConnection, query: LogsQuery): Stream<LogLine> {
  return jsonStream(connection, '/api/v1/ws/logs', { ...query }, logLinesOf);
}

/** `docker events` of a host, from the moment it is open. */
export function events(connection: StreamConnection, query: EventsQuery = {}): Stream<EngineEvent> {
  return jsonStream(connection, '/api/v1/ws/events', { ...query }, (frame) => [frame as EngineEvent]);
}

/** `docker stats` of one container, a sample a second, until it stops. */
export function stats(connection: StreamConnection, query: StatsQuery): Stream<StatsSample> {
  return jsonStream(connection, '/api/v1/ws/stats', { ...query }, (frame) => [frame as StatsSample]);
}

/** A job's events (status, progress, output) from its first, until it has finished. */
export function jobEvents(connection: StreamConnection, id: string): Stream<JobEvent> {
  return jsonStream(connection, '/api/v1/ws/jobs', { id }, (frame) => [frame as JobEvent]);
}

/** The lines of one logs frame: a JSON array of lines, or (Berth before issue 13) one line alone. */
export function logLinesOf(frame: unknown): LogLine[] {
  return (Array.isArray(frame) ? frame : [frame]) as LogLine[];
}

function jsonStream<T>(connection: StreamConnection, path: string, query: Query, itemsOf: (frame: unknown) => T[]): Stream<T> {
  const socket = openSocket(connection, path, query);
  const opened = socket.then(() => undefined);
  // Whoever reads gets the error: `opened` alone, never awaited, must not be an unhandled rejection.
  opened.catch(() => undefined);
  async function* read(): AsyncGenerator<T, void, undefined> {
    const open = await socket;
    try {
      for await (const frame of open.frames) {
        if (typeof frame === 'string') yield* itemsOf(JSON.parse(frame));
      }
    } finally {
      open.close();
    }
  }
  return Object.assign(read(), {
    opened,
    close: () =>
      void socket.then(
        (open) => open.close(),
        () => undefined,
      ),
  });
}
