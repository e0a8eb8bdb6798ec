import Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Metrics } from '../common/metrics.js';
import { engineUnavailable, isNotModified, translateEngineError } from './engine-errors.js';
import { pathSegment, refuseEngineRedirects, withEncodedIds } from './engine-paths.js';
import { ExecOutput, ExecOutputDemuxer } from './exec-frames.js';
import { CappedOutput, MarkedStderr, OutputSink, killTreeCommand, killableCommand, shellMissing } from './exec-output.js';
import { JsonLines } from './json-lines.js';
import { LogLineParser, LogStreamName } from './log-lines.js';
import { RawEndpoint, rawGet } from './raw-get.js';
import type {
  EngineContainerCreate,
  EngineContainerInspect,
  EngineContainerStats,
  EngineContainerSummary,
  EngineContainerTop,
  EngineDiskUsage,
  EngineExecOptions,
  EngineExecSession,
  EngineImageInspect,
  EngineInfo,
  EngineLogStreamOptions,
  EngineNetworkInspect,
  EngineStreamTarget,
  EngineVersion,
  EngineVolume,
  RegistryAuth,
} from './engine-types.js';

export interface ContainerListQuery {
  all?: boolean;
  limit?: number;
  /** The engine's filters, e.g. `{ label: ['a=b'], status: ['running'] }`. */
  filters?: Record<string, string[]>;
}

export interface ContainerLogsQuery {
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  /** A number of lines or `all`. */
  tail: string;
  /** Unix seconds. */
  since?: number;
  until?: number;
}

export interface ContainerCommitOptions {
  repo: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  /** Dockerfile instructions applied to the image, as `docker commit --change`. */
  changes?: string[];
}

export interface ExecSpec {
  cmd: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface ExecLimits {
  /** Bytes kept per stream; the rest is counted and dropped. */
  maxBytes: number;
  timeoutMs: number;
}

export interface ExecResult {
  /** null when the command outlived its time and could not be reaped. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
}

/** How long a pull may take before it is given up. Layers can be large; a list cannot. */
const PULL_TIMEOUT_MS = 10 * 60_000;
/** After killing a timed-out exec, how long its output may take to drain. */
const EXEC_KILL_GRACE_MS = 2000;

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
    refuseEngineRedirects();
    this.docker = withEncodedIds(new Docker(connectionOptions(host.url)));
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

  // Containers

  listContainers(query: ContainerListQuery): Promise<EngineContainerSummary[]> {
    return this.call('container-list', (d) =>
      d.listContainers({ all: query.all ?? false, ...(query.limit && { limit: query.limit }), filters: query.filters ?? {} }),
    );
  }

  inspectContainer(id: string): Promise<EngineContainerInspect> {
    return this.call('container-inspect', (d) => d.getContainer(id).inspect());
  }

  /** Creates a container; the engine's warnings come back (dockerode would drop them). */
  async createContainer(name: string | undefined, spec: EngineContainerCreate): Promise<{ id: string; warnings: string[] }> {
    const created = await this.call('container-create', (d) =>
      this.dial<{ Id: string; Warnings?: string[] | null }>(d, {
        path: '/containers/create?',
        method: 'POST',
        options: { _query: name ? { name } : {}, _body: spec },
        statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
      }),
    );
    return { id: created.Id, warnings: created.Warnings ?? [] };
  }

  /** Starts a container; one already running is success (the engine's 304). */
  startContainer(id: string): Promise<void> {
    return this.call('container-start', (d) => notModifiedIsDone(d.getContainer(id).start()));
  }

  /** `docker stop -t`: SIGTERM, then SIGKILL after `timeoutSeconds`; a stopped container is success. */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return this.call(
      'container-stop',
      (d) => notModifiedIsDone(d.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })),
      this.waitBound(timeoutSeconds),
    );
  }

  restartContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return this.call(
      'container-restart',
      (d) => notModifiedIsDone(d.getContainer(id).restart(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })),
      this.waitBound(timeoutSeconds),
    );
  }

  killContainer(id: string, signal?: string): Promise<void> {
    return this.call('container-kill', (d) => d.getContainer(id).kill(signal ? { signal } : {}).then(() => undefined));
  }

  pauseContainer(id: string): Promise<void> {
    return this.call('container-pause', (d) => d.getContainer(id).pause().then(() => undefined));
  }

  unpauseContainer(id: string): Promise<void> {
    return this.call('container-unpause', (d) => d.getContainer(id).unpause().then(() => undefined));
  }

  removeContainer(id: string, options: { force: boolean; volumes: boolean }): Promise<void> {
    return this.call('container-remove', (d) => d.getContainer(id).remove({ force: options.force, v: options.volumes }).then(() => undefined));
  }

  renameContainer(id: string, name: string): Promise<void> {
    return this.call('container-rename', (d) => d.getContainer(id).rename({ name }).then(() => undefined));
  }

  containerTop(id: string, psArgs?: string): Promise<EngineContainerTop> {
    return this.call('container-top', (d) => d.getContainer(id).top(psArgs ? { ps_args: psArgs } : {}) as Promise<EngineContainerTop>);
  }

  /** One stats sample; without `one-shot` the engine waits a cycle (~1 s) so that `precpu_stats` is filled, as `docker stats` needs. */
  containerStats(id: string): Promise<EngineContainerStats> {
    return this.call(
      'container-stats',
      (d) => d.getContainer(id).stats({ stream: false }) as unknown as Promise<EngineContainerStats>,
      this.timeoutMs + 2000,
    );
  }

  /**
   * The container's logs as the engine's raw stream (multiplexed unless `tty`), never buffered:
   * dockerode reads a non-follow log into memory, so this dials the engine directly.
   */
  async containerLogs(id: string, query: ContainerLogsQuery): Promise<{ name: string; tty: boolean; stream: Readable }> {
    const inspect = await this.inspectContainer(id);
    const options: Record<string, unknown> = {
      follow: false,
      stdout: query.stdout,
      stderr: query.stderr,
      timestamps: query.timestamps,
      tail: query.tail,
      ...(query.since !== undefined && { since: query.since }),
      ...(query.until !== undefined && { until: query.until }),
    };
    const stream = await this.call('container-logs', (d) =>
      this.dial<Readable>(d, {
        path: `/containers/${pathSegment(inspect.Id)}/logs?`,
        method: 'GET',
        isStream: true,
        options,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      }),
    );
    return { name: inspect.Name.replace(/^\//, ''), tty: inspect.Config.Tty, stream };
  }

  /** `docker commit`: an image from the container's filesystem and config. */
  async commitContainer(id: string, options: ContainerCommitOptions): Promise<{ id: string }> {
    const committed = await this.call(
      'container-commit',
      (d) =>
        d.getContainer(id).commit({
          repo: options.repo,
          ...(options.tag && { tag: options.tag }),
          ...(options.comment && { comment: options.comment }),
          ...(options.author && { author: options.author }),
          pause: options.pause ?? true,
          ...(options.changes?.length && { changes: options.changes.join('\n') }),
        }) as Promise<{ Id: string }>,
      this.timeoutMs * 15,
    );
    return { id: committed.Id };
  }

  /**
   * Runs a command to its end without a TTY and answers its exit code and output. Output beyond
   * `maxBytes` per stream is drained and dropped; past `timeoutMs` the command is killed.
   */
  async execOnce(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    const deadline = Date.now() + limits.timeoutMs;
    const wrapped = await this.runExec(containerId, { ...spec, cmd: killableCommand(spec.cmd) }, limits, deadline, true);
    if (!wrapped.shellMissing) return wrapped.result;
    // An image without `sh` (distroless, scratch): run the command as is, it just cannot be killed on timeout.
    return (await this.runExec(containerId, spec, limits, deadline, false)).result;
  }

  private async runExec(
    containerId: string,
    spec: ExecSpec,
    limits: ExecLimits,
    deadline: number,
    killable: boolean,
  ): Promise<{ result: ExecResult; shellMissing: boolean }> {
    const exec = await this.call('exec-create', (d) =>
      d.getContainer(containerId).exec({
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Cmd: spec.cmd,
        ...(spec.env?.length && { Env: spec.env }),
        ...(spec.workingDir && { WorkingDir: spec.workingDir }),
        ...(spec.user && { User: spec.user }),
      }),
    );
    const stream = await this.call('exec-start', () => exec.start({ hijack: true, stdin: false }));
    const stdout = new CappedOutput(limits.maxBytes);
    const stderr = new CappedOutput(limits.maxBytes);
    const marked = killable ? new MarkedStderr(stderr) : undefined;
    const sinks: Record<LogStreamName, OutputSink> = { stdout, stderr: marked ?? stderr };
    const output = stream.pipe(new ExecOutputDemuxer(false));
    output.on('data', (piece: ExecOutput) => sinks[piece.stream].write(piece.data));
    // Ended once the demuxer has handed out the last piece, or the connection is gone.
    const ended = new Promise<void>((resolve) => {
      output.once('end', resolve);
      stream.once('close', () => setImmediate(resolve));
      stream.once('error', () => resolve());
    });

    const timer = new AbortController();
    const timedOut = await Promise.race([
      ended.then(() => false),
      sleep(Math.max(0, deadline - Date.now()), true, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (timedOut) {
      if (marked?.pid) {
        await this.call('exec-kill', (d) => this.execDetached(d, containerId, killTreeCommand(marked.pid!))).catch(() => undefined);
      }
      await Promise.race([ended, sleep(EXEC_KILL_GRACE_MS)]);
    }
    stream.destroy();
    marked?.end();
    const info = await this.call('exec-inspect', () => exec.inspect());
    const exitCode = info.Running ? null : info.ExitCode;
    return {
      shellMissing: killable && shellMissing(exitCode, marked?.sawMarker ?? false, stdout.text()),
      result: {
        exitCode,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
      },
    };
  }

  /** Runs a helper command as root in the container and waits for it to end. */
  private async execDetached(d: Docker, containerId: string, cmd: string[]): Promise<void> {
    const exec = await d.getContainer(containerId).exec({ Cmd: cmd, User: '0', AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.resume();
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  }

  /** `docker image inspect`: 404 IMAGE_NOT_FOUND when the host lacks it. */
  inspectImage(ref: string): Promise<EngineImageInspect> {
    return this.call('image-inspect', (d) => d.getImage(ref).inspect());
  }

  /** `docker network inspect` by name, id or id prefix, as the engine resolves a container's network: 404 NETWORK_NOT_FOUND. */
  inspectNetwork(ref: string): Promise<EngineNetworkInspect> {
    return this.call('network-inspect', (d) => d.getNetwork(ref).inspect() as Promise<EngineNetworkInspect>);
  }

  // Volumes

  /** `docker volume inspect`; undefined for a volume that does not exist (yet). */
  async inspectVolume(name: string): Promise<EngineVolume | undefined> {
    try {
      return await this.call('volume-inspect', (d) => d.getVolume(name).inspect());
    } catch (error) {
      if ((error as { code?: string }).code === 'VOLUME_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Whether the image is present on this host (`docker image inspect`). */
  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.inspectImage(ref);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'IMAGE_NOT_FOUND') return false;
      throw error;
    }
  }

  /**
   * Pulls an image to the end. The engine answers 200 at once and reports failures inside the
   * progress stream, so the stream is read to its last line and an `error` there is thrown.
   */
  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    const stream = await this.call('image-pull', (d) =>
      this.dial<Readable>(d, {
        path: '/images/create?',
        method: 'POST',
        isStream: true,
        options: { fromImage: ref },
        ...(auth && { authconfig: auth }),
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      }),
    );
    await this.call('image-pull', () => readProgress(stream), PULL_TIMEOUT_MS).finally(() => stream.destroy());
  }

  /** Stop and restart wait for the container: the bound is its grace period plus the usual. */
  private waitBound(timeoutSeconds: number | undefined): number {
    return this.timeoutMs + (timeoutSeconds ?? 10) * 1000;
  }

  /** A raw engine request, for what dockerode does not expose as needed (streams, full answers). */
  private dial<T>(d: Docker, options: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      d.modem.dial(options as never, (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as T)));
    });
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
        ? rawGet(endpoint, `/containers/${pathSegment(target.id)}/logs?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`, signal)
        : // dockerode buffers a log that is not followed; dial it as a stream either way.
          dial(d, {
            path: `/containers/${pathSegment(target.id)}/logs?`,
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

  /** The engine's event stream (EngineEvent objects), from now on; `filters` as the engine takes them (`{ event: ['start'] }`). */
  async openEvents(filters?: Record<string, string[]>): Promise<Readable> {
    const raw = await this.openStream<Readable>('events', (d, signal) => d.getEvents({ abortSignal: signal, ...(filters && { filters }) }) as Promise<Readable>);
    return pipeline(raw, new JsonLines(), () => undefined);
  }

  /** A container's stats, one EngineContainerStats sample a second while it runs. */
  async openStats(target: EngineStreamTarget): Promise<Readable> {
    const raw = await this.openStream<Readable>(
      'container.stats',
      (d, signal) =>
        dial<Readable>(d, {
          path: `/containers/${pathSegment(target.id)}/stats?`,
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

/** The engine's 304 (already started, already stopped) is the state the caller wanted. */
function notModifiedIsDone(request: Promise<unknown>): Promise<void> {
  return request.then(
    () => undefined,
    (error: unknown) => {
      if (isNotModified(error)) return;
      throw error;
    },
  );
}

/** Reads a JSON-lines progress stream to its end; rejects with the engine's message when a line is an error. */
export async function readProgress(stream: Readable): Promise<void> {
  let failure: string | undefined;
  await pipelineAsync(stream, new JsonLines(), async (events: AsyncIterable<{ error?: string; errorDetail?: { message?: string } }>) => {
    for await (const event of events) failure ??= event.errorDetail?.message ?? event.error;
  });
  // The stream carries the failure with a 200 status; give it the status the engine would have used.
  if (failure) throw { statusCode: 500, json: { message: failure } };
}
