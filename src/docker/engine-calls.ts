import Docker from 'dockerode';
import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { EngineTls } from '../config/engine-tls.js';
import type { Metrics } from '../common/metrics.js';
import type { EngineSsh, HostDescriptor } from './engine.js';
import type { HostHealth } from './host-health.js';
import { engineUnavailable, isNotModified, translateEngineError } from './engine-errors.js';
import { refuseEngineRedirects, withEncodedIds } from './engine-paths.js';
import type { RawEndpoint } from './raw-get.js';
import { KeptAliveGets } from './kept-alive-gets.js';
import { SshDialAgent, sshTarget } from './ssh-dial-agent.js';
import { SshTransportError } from './ssh-host-key.js';

/** What every TLS connection to the engine uses, dockerode's and Berth's own raw ones alike. */
export function tlsOptions(tls: EngineTls): ConnectionOptions {
  // No servername: Node sends none for an IP address (RFC 6066) and checks the address against the certificate.
  return { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify };
}

/** dockerode's connection options for a DOCKER_HOST url, with TLS when the environment asked for it, over ssh for ssh://. */
export function connectionOptions(url: string, tls?: EngineTls, ssh?: EngineSsh, handshakeTimeoutMs = 10_000): Docker.DockerOptions {
  // Keep-alive on every transport: a fresh connection per call cost a connect and a teardown on each engine call
  // (Node's agent pools unix sockets by path too; an upgraded exec/attach socket leaves the pool).
  if (url.startsWith('unix://')) return withAgent({ socketPath: url.slice('unix://'.length) }, new HttpAgent({ keepAlive: true }));
  if (url.startsWith('npipe:')) return withAgent({ socketPath: url.slice('npipe:'.length) }, new HttpAgent({ keepAlive: true }));
  if (url.startsWith('ssh://')) return sshOptions(url, ssh, handshakeTimeoutMs);
  const parsed = new URL(url.replace(/^tcp:/, 'http:'));
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!tls) return withAgent({ host, port: Number(parsed.port || 2375), protocol: 'http' }, new HttpAgent({ keepAlive: true }));
  // docker-modem passes only ca/cert/key per request; the agent carries the rest (verification on or off).
  return withAgent({ host, port: Number(parsed.port || 2376), protocol: 'https' }, new Agent({ keepAlive: true, ...tlsOptions(tls) }));
}

/**
 * Plain HTTP through dial-stdio sessions (docker-modem's own ssh mode opens a connection per request and does not pin
 * the host key). A record that cannot work fails each call with ERR_SSH_CONFIG rather than the engine's construction.
 */
function sshOptions(url: string, ssh: EngineSsh | undefined, handshakeTimeoutMs: number): Docker.DockerOptions {
  let target: ReturnType<typeof sshTarget> | SshTransportError;
  try {
    target = sshTarget(url, ssh);
  } catch (error) {
    target = error as SshTransportError;
  }
  const where = target instanceof Error ? { host: 'localhost', port: 22 } : { host: target.host, port: target.port };
  return withAgent({ ...where, protocol: 'http' }, new SshDialAgent(target, handshakeTimeoutMs));
}

/** docker-modem hands `agent` to every request it makes; dockerode's types do not list it. */
function withAgent(options: Docker.DockerOptions, agent: HttpAgent): Docker.DockerOptions {
  // docker-modem util.inspect()s each request's options (depth: null) for a debug line, even with debug off:
  // walking the agent and its socket pool cost ~0.6 ms per engine call (CPU profile of a lone list).
  Object.defineProperty(agent, inspect.custom, { value: () => 'Agent' });
  return Object.assign(options, { agent });
}

/** A raw docker-modem request, for what dockerode does not expose as needed (streams, full answers). */
export interface DialOptions {
  path: string;
  method: 'GET' | 'POST';
  /** Hand back the response stream instead of a parsed body. */
  isStream?: boolean;
  /** Upgrade the connection (Connection: Upgrade, tcp) and hand back the socket: stdin and output on one duplex. */
  hijack?: boolean;
  /** Keep the request open for what is written to it (stdin). */
  openStdin?: boolean;
  /** Send a `{}` body, which docker-modem otherwise drops. */
  allowEmpty?: boolean;
  abortSignal?: AbortSignal;
  /** The statuses that are an answer; any other is an error (a 3xx included: redirects are refused). */
  statusCodes: Record<number, true | string>;
  options?: Record<string, unknown>;
  authconfig?: unknown;
  /** A request body streamed to the engine as it is read (a build context, a tar for `docker load`). */
  file?: NodeJS.ReadableStream;
  headers?: Record<string, string>;
  /** Sent as X-Registry-Config (a build's credentials for its base images). */
  registryconfig?: unknown;
}

/**
 * The one way to the engine of a host: every call goes through `call`, which bounds it in time,
 * measures it as `resource.operation` and translates its failure; `dial` is the one raw request.
 */
export class EngineCalls {
  readonly docker: Docker;
  private readonly connection: Docker.DockerOptions;
  /** getBytes' connections, made at its first call; null where the transport is dockerode's only. */
  private gets?: KeptAliveGets | null;
  /** The host's live status: a host known down answers 503 at once, and call outcomes feed it. Health checks (`health.*`) pass. */
  health?: HostHealth;
  /** Set by close(): the host was removed or reconnected, and nothing more goes to this engine through this. */
  private closed = false;
  /** Hijacked connections (exec, attach), which leave the agent's pool: close() ends them itself. */
  private readonly hijacked = new Set<Duplex>();

  constructor(
    readonly host: HostDescriptor,
    private readonly metrics: Metrics,
    readonly timeoutMs: number,
  ) {
    refuseEngineRedirects();
    this.connection = connectionOptions(host.url, host.tls, host.ssh, timeoutMs);
    this.docker = withEncodedIds(new Docker(this.connection));
  }

  /** Runs one engine call with a time bound, a metric (`operation` is `resource.operation`) and error translation. */
  async call<T>(operation: string, run: (docker: Docker) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    // A job queued on a host since removed, or a stream opened as it was reconnected: not to the old engine.
    if (this.closed) throw engineUnavailable(this.host.id, 'the host was removed or reconnected');
    const health = operation.startsWith('health.') ? undefined : this.health;
    health?.admit();
    const stopTimer = this.metrics.engineDuration.startTimer({ host: this.host.id, operation });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(engineUnavailable(this.host.id, `no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([run(this.docker), timeout]);
      stopTimer({ outcome: 'ok' });
      health?.observe(true);
      return result;
    } catch (error) {
      stopTimer({ outcome: 'error' });
      const problem = translateEngineError(this.host.id, error);
      // Only a failure to reach the engine says something about the host; a 404 or a 409 is an answer.
      if (problem.getStatus() === 503) health?.observe(false);
      else health?.observe(true);
      throw problem;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Opens a long-lived stream within the call timeout; one that opens after the timeout is aborted, not leaked. */
  async openStream<T>(
    operation: string,
    open: (docker: Docker, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const abort = new AbortController();
    try {
      return await this.call(operation, (d) => open(d, abort.signal), timeoutMs);
    } catch (error) {
      abort.abort();
      throw error;
    }
  }

  /** docker-modem's raw request, for the calls dockerode would buffer or answer only in part. */
  dial<T>(options: DialOptions): Promise<T> {
    const modem = this.docker.modem as { dial(options: DialOptions, callback: (error: unknown, data: T) => void): void };
    return new Promise((resolve, reject) => modem.dial(options, (error, data) => (error ? reject(error) : resolve(data))));
  }

  /**
   * A hijacked connection (an exec's or attach's), ended by close(): an interactive session on a host Berth no longer
   * manages (or reaches elsewhere now) must not outlive it. One made as the engine closed is ended at once.
   */
  hold<T extends Duplex>(socket: T): T {
    if (this.closed) {
      socket.destroy();
      throw engineUnavailable(this.host.id, 'the host was removed or reconnected');
    }
    this.hijacked.add(socket);
    socket.once('close', () => this.hijacked.delete(socket));
    return socket;
  }

  /** Ends everything of a host Berth no longer manages (or reaches elsewhere now): its connections, exec and attach sessions, later calls. */
  close(): void {
    this.closed = true;
    (this.connection as { agent?: HttpAgent }).agent?.destroy();
    this.gets?.close();
    for (const socket of this.hijacked) socket.destroy();
  }

  /**
   * A GET whose whole answer comes back as bytes, on Berth's own kept-alive connections (KeptAliveGets): for a caller
   * that parses the answer once, or not at all when it is the same as last time (docker-modem decodes and parses
   * every answer). Undefined for transports only dockerode speaks; a status other than 200 rejects as dockerode's do.
   */
  getBytes(path: string): Promise<Buffer> | undefined {
    if (this.gets === undefined) {
      const endpoint = this.rawEndpoint();
      this.gets = endpoint ? new KeptAliveGets(endpoint, this.timeoutMs) : null;
    }
    return this.gets?.get(path);
  }

  /** Where rawGet can reach the engine; undefined for transports only dockerode speaks. */
  rawEndpoint(): RawEndpoint | undefined {
    const { socketPath, host, port, protocol } = this.connection;
    if (typeof socketPath === 'string' && this.host.url.startsWith('unix://')) return { socketPath };
    // rawGet dials sockets itself: an ssh:// host goes through docker-modem and the ssh agent.
    if (!host || this.host.url.startsWith('ssh://')) return undefined;
    if (protocol === 'http') return { host, port: Number(port) };
    if (protocol === 'https' && this.host.tls) return { host, port: Number(port), tls: tlsOptions(this.host.tls) };
    return undefined;
  }
}

/** The engine's 304 (already started, already stopped) is the state the caller wanted. */
export function notModifiedIsDone(request: Promise<unknown>): Promise<void> {
  return request.then(
    () => undefined,
    (error: unknown) => {
      if (isNotModified(error)) return;
      throw error;
    },
  );
}
