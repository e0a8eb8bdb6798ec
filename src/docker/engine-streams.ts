import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { EngineCalls } from './engine-calls.js';
import { inspectContainer, resizeContainer } from './engine-containers.js';
import { pathSegment } from './engine-paths.js';
import type { EngineAttachOptions, EngineAttachSession, EngineLogStreamOptions, EngineStreamTarget } from './engine-types.js';
import { ExecOutputDemuxer } from './exec-frames.js';
import { JsonLines } from './json-lines.js';
import { LogFrameEncoder } from './log-frames.js';
import { LogLineParser } from './log-lines.js';
import { HISTORY_READS, rawGet } from './raw-get.js';

const CONTAINER_STREAM_STATUSES = { 200: true, 404: 'no such container', 500: 'server error' } as const;

// Long-lived engine streams (logs, events, stats). Only opening one is bounded by the call
// timeout; once open it lives as long as the engine or its reader keeps it.

/** The container a stream is about: 404 CONTAINER_NOT_FOUND before any stream opens. */
export async function streamTarget(calls: EngineCalls, container: string): Promise<EngineStreamTarget> {
  const info = await inspectContainer(calls, container);
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    tty: Boolean(info.Config.Tty),
    running: Boolean(info.State.Running),
    openStdin: Boolean(info.Config.OpenStdin),
  };
}

/**
 * A container's log as LogLine objects: the one reader of the REST snapshot and the WebSocket
 * channel. Never buffered: dockerode reads a log that is not followed into memory, so this asks
 * the engine directly (rawGet where it can, docker-modem's raw dial otherwise). Destroying the
 * returned stream closes the engine connection.
 */
export async function openLogLines(calls: EngineCalls, target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable> {
  const timestamps = options.timestamps ?? true;
  return pipeline(await openLogBytes(calls, target, options), new LogLineParser({ tty: target.tty, timestamps }), () => undefined);
}

/** The same log as LogFrame objects, ready to send to one WebSocket (log-frames.ts): no object per line. */
export async function openLogFrames(calls: EngineCalls, target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable> {
  const timestamps = options.timestamps ?? true;
  return pipeline(await openLogBytes(calls, target, options), new LogFrameEncoder({ tty: target.tty, timestamps }), () => undefined);
}

async function openLogBytes(calls: EngineCalls, target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable> {
  const query: Record<string, string> = {
    follow: String(options.follow),
    stdout: String(options.stdout),
    stderr: String(options.stderr),
    timestamps: String(options.timestamps ?? true),
    tail: options.tail === undefined ? 'all' : String(options.tail),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  };
  // A service's log is its tasks' logs, framed alike; the engine takes no `until` there (the DTO offers none).
  const path = `/${target.service ? 'services' : 'containers'}/${pathSegment(target.id)}/logs?`;
  const endpoint = calls.rawEndpoint();
  return calls.openStream<Readable>(target.service ? 'service.logs' : 'container.logs', (_d, signal) =>
    endpoint
      ? rawGet(endpoint, `${path}${new URLSearchParams(query)}`, signal, options.follow ? undefined : HISTORY_READS)
      : calls.dial({ path, method: 'GET', isStream: true, abortSignal: signal, statusCodes: CONTAINER_STREAM_STATUSES, options: query }),
  );
}

/**
 * The engine's event stream (EngineEvent objects), from now on, or replayed from `since` (the engine's
 * `seconds.nanoseconds`) and then live; `filters` as the engine takes them (`{ event: ['start'] }`).
 */
export async function openEvents(calls: EngineCalls, filters?: Record<string, string[]>, since?: string): Promise<Readable> {
  const raw = await calls.openStream<Readable>('system.events', (d, signal) => {
    // The engine takes `since` as `seconds.nanoseconds`; dockerode types it a number, which would lose the nanoseconds.
    const options = {
      abortSignal: signal,
      ...(filters && Object.keys(filters).length > 0 && { filters }),
      ...(since !== undefined && { since }),
    };
    return d.getEvents(options as Omit<typeof options, 'since'>) as Promise<Readable>;
  });
  return pipeline(raw, new JsonLines(), () => undefined);
}

/** A container's stats, one EngineContainerStats sample a second while it runs. */
export async function openStats(calls: EngineCalls, target: EngineStreamTarget): Promise<Readable> {
  const raw = await calls.openStream<Readable>('container.stats', (_d, signal) =>
    calls.dial<Readable>({
      path: `/containers/${pathSegment(target.id)}/stats?`,
      method: 'GET',
      isStream: true,
      abortSignal: signal,
      statusCodes: CONTAINER_STREAM_STATUSES,
      options: { stream: true },
    }),
  );
  return pipeline(raw, new JsonLines(), () => undefined);
}

/**
 * `docker attach`: the main process's stdin and output on one hijacked connection, demultiplexed
 * as an exec's (one raw stream with a TTY). With `detachKeys` the engine itself watches stdin (TTY
 * only) and, on the sequence, ends the stream and closes the connection: the process runs on.
 * Destroying the session closes the connection and leaves the process running too.
 */
export async function openAttach(
  calls: EngineCalls,
  target: EngineStreamTarget,
  options: EngineAttachOptions,
): Promise<EngineAttachSession> {
  const query = {
    stream: options.stream,
    stdin: options.stdin,
    stdout: true,
    stderr: true,
    logs: options.logs,
    ...(options.detachKeys !== undefined && { detachKeys: options.detachKeys }),
  };
  const socket = await calls.openStream<Duplex>('container.attach', async (_d, signal) =>
    calls.hold(
      await calls.dial<Duplex>({
        path: `/containers/${pathSegment(target.id)}/attach?`,
        method: 'POST',
        isStream: true,
        hijack: true,
        openStdin: true,
        abortSignal: signal,
        statusCodes: { 101: true, 200: true, 400: 'bad parameter', 404: 'no such container', 409: 'conflict', 500: 'server error' },
        // Without a body docker-modem would hold the headers back waiting for one; the engine ignores it.
        options: { _query: query, _body: {} },
        allowEmpty: true,
      }),
    ),
  );
  const output = pipeline(socket, new ExecOutputDemuxer(target.tty), () => undefined);
  return {
    input: socket,
    output,
    resize: (width, height) => resizeContainer(calls, target.id, width, height),
    destroy: () => socket.destroy(),
  };
}
