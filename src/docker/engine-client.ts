import Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Metrics } from '../common/metrics.js';
import { engineUnavailable, translateEngineError } from './engine-errors.js';
import { ExecOutputDemuxer } from './exec-frames.js';
import { JsonLines } from './json-lines.js';
import { LogLineParser } from './log-lines.js';
import { RawEndpoint, rawGet } from './raw-get.js';
import type {
  EngineDiskUsage,
  EngineExecOptions,
  EngineExecSession,
  EngineInfo,
  EngineLogStreamOptions,
  EngineStreamTarget,
  EngineVersion,
} from './engine-types.js';

export interface HostDescriptor {
  id: string;
  name: string;
  /** Where the engine listens, e.g. unix:///var/run/docker.sock. */
  url: string;
}

/** dockerode's connection options for a DOCKER_HOST url. */
export function connectionOptions(url: string): Docker.DockerOptions {
  if (url.startsWith('unix://')) return { socketPath: url.slice('unix://'.length) };
  if (url.startsWith('npipe:')) return { socketPath: url.slice('npipe:'.length) };
  const parsed = new URL(url.replace(/^tcp:/, 'http:'));
  return { host: parsed.hostname, port: Number(parsed.port || 2375), protocol: 'http' };
}

/**
 * One Docker engine. Every call is timed, bounded and has its failures translated, so a
 * service above never sees a dockerode error and a dead engine answers 503 in bounded time.
 */
export class EngineClient {
  private readonly docker: Docker;

  constructor(
    readonly host: HostDescriptor,
    private readonly metrics: Metrics,
    private readonly timeoutMs: number,
  ) {
    this.docker = new Docker(connectionOptions(host.url));
  }

  ping(timeoutMs = this.timeoutMs): Promise<unknown> {
    return this.call('ping', (d) => d.ping(), timeoutMs);
  }

  info(): Promise<EngineInfo> {
    return this.call('info', (d) => d.info() as Promise<EngineInfo>);
  }

  version(): Promise<EngineVersion> {
    return this.call('version', (d) => d.version() as unknown as Promise<EngineVersion>);
  }

  diskUsage(): Promise<EngineDiskUsage> {
    // `docker system df` walks every layer; it can take longer than a list.
    return this.call('df', (d) => d.df() as Promise<EngineDiskUsage>, this.timeoutMs * 6);
  }

  /** Runs one engine call with a time bound, a metric and error translation. */
  protected async call<T>(operation: string, run: (docker: Docker) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const stopTimer = this.metrics.engineDuration.startTimer({ host: this.host.id, operation });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(engineUnavailable(this.host.id, `no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([run(this.docker), timeout]);
      stopTimer({ outcome: 'ok' });
      return result;
    } catch (error) {
      stopTimer({ outcome: 'error' });
      throw translateEngineError(this.host.id, error);
    } finally {
      clearTimeout(timer);
    }
  }

  // Streams: long-lived engine streams for the WebSocket channels. Only opening one is bounded
  // by the call timeout; once open it lives as long as the engine or its reader keeps it.

  /** The container a stream is about: 404 CONTAINER_NOT_FOUND before any stream opens. */
  async streamTarget(container: string): Promise<EngineStreamTarget> {
    const info = await this.call('container.inspect', (d) => d.getContainer(container).inspect());
    return { id: info.Id, name: info.Name.replace(/^\//, ''), tty: Boolean(info.Config.Tty), running: Boolean(info.State.Running) };
  }

  /**
   * A container's log as LogLine objects (always with engine timestamps, which streams use to
   * share and to resume). Destroying the returned stream closes the engine connection.
   */
  async openLogLines(target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable> {
    const query = {
      follow: options.follow,
      stdout: options.stdout,
      stderr: options.stderr,
      timestamps: true,
      tail: options.tail === undefined ? 'all' : String(options.tail),
      ...(options.since !== undefined && { since: options.since }),
    };
    const endpoint = rawEndpoint(this.host.url);
    const raw = await this.openStream<Readable>('container.logs', (d, signal) =>
      endpoint
        ? rawGet(endpoint, `/containers/${target.id}/logs?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`, signal)
        : // dockerode buffers a log that is not followed; dial it as a stream either way.
          dial(d, {
            path: `/containers/${target.id}/logs?`,
            method: 'GET',
            isStream: true,
            abortSignal: signal,
            statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
            options: query,
          }),
    );
    return pipeline(raw, new LogLineParser({ tty: target.tty, timestamps: true }), () => undefined);
  }

  /** Starts an interactive exec (stdin attached) and hands back its two directions. */
  async openExec(target: EngineStreamTarget, options: EngineExecOptions): Promise<EngineExecSession> {
    const exec = await this.call('exec.create', (d) =>
      d.getContainer(target.id).exec({
        Cmd: options.cmd,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: options.tty,
        ...(options.user && { User: options.user }),
        ...(options.workingDir && { WorkingDir: options.workingDir }),
      }),
    );
    const socket = await this.openStream<Duplex>(
      'exec.start',
      (_d, signal) => exec.start({ hijack: true, stdin: true, Tty: options.tty, abortSignal: signal }) as Promise<Duplex>,
    );
    const output = pipeline(socket, new ExecOutputDemuxer(options.tty), () => undefined);
    return {
      input: socket,
      output,
      resize: async (width, height) => {
        await this.call('exec.resize', () => exec.resize({ w: width, h: height }));
      },
      exitCode: async () => {
        // The engine may report the exec as running for a moment after its output ended.
        for (let attempt = 0; attempt < 20; attempt++) {
          const state = await this.call('exec.inspect', () => exec.inspect());
          if (!state.Running) return typeof state.ExitCode === 'number' ? state.ExitCode : null;
          await sleep(50);
        }
        return null;
      },
      destroy: () => socket.destroy(),
    };
  }

  /** The engine's event stream (EngineEvent objects), from now on. */
  async openEvents(): Promise<Readable> {
    const raw = await this.openStream<Readable>('events', (d, signal) => d.getEvents({ abortSignal: signal }) as Promise<Readable>);
    return pipeline(raw, new JsonLines(), () => undefined);
  }

  /** A container's stats, one EngineStatsSample a second while it runs. */
  async openStats(target: EngineStreamTarget): Promise<Readable> {
    const raw = await this.openStream<Readable>(
      'container.stats',
      (d, signal) =>
        dial<Readable>(d, {
          path: `/containers/${target.id}/stats?`,
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options: { stream: true },
        }),
    );
    return pipeline(raw, new JsonLines(), () => undefined);
  }

  /** Opens a stream within the call timeout; one that opens after the timeout is aborted, not leaked. */
  private async openStream<T>(operation: string, open: (docker: Docker, signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    try {
      return await this.call(operation, (d) => open(d, abort.signal));
    } catch (error) {
      abort.abort();
      throw error;
    }
  }
}

/** Where rawGet can reach the engine; undefined for transports only dockerode speaks. */
function rawEndpoint(url: string): RawEndpoint | undefined {
  const options = connectionOptions(url);
  if (options.socketPath && typeof options.socketPath === 'string' && url.startsWith('unix://')) return { socketPath: options.socketPath };
  if (options.host && options.protocol === 'http') return { host: options.host, port: Number(options.port) };
  return undefined;
}

interface DialOptions {
  path: string;
  method: string;
  isStream: boolean;
  abortSignal: AbortSignal;
  statusCodes: Record<number, true | string>;
  options: Record<string, unknown>;
}

/** docker-modem's raw request, for the calls dockerode would buffer. */
function dial<T>(docker: Docker, options: DialOptions): Promise<T> {
  const modem = docker.modem as { dial(options: DialOptions, callback: (error: unknown, data: T) => void): void };
  return new Promise((resolve, reject) => modem.dial(options, (error, data) => (error ? reject(error) : resolve(data))));
}
