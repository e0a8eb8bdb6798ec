import { Agent as HttpAgent } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type * as Ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import type { EngineSsh } from './engine.js';
import {
  configError,
  hostKeyAlgorithms,
  hostKeyMismatch,
  isPinned,
  parseKnownHostKeys,
  type PinnedHostKey,
  SshTransportError,
} from './ssh-host-key.js';

// ssh2 (~14 MB with its WebAssembly) is loaded by the first ssh:// host, not by every start.
let ssh2Module: typeof Ssh2 | undefined;
const ssh2 = (): typeof Ssh2 => (ssh2Module ??= createRequire(import.meta.url)('ssh2') as typeof Ssh2);

/** Where and as whom to log in, with what key, and the host keys to accept: an ssh:// host's record, checked. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  pinned: PinnedHostKey[];
}

/** What the docker CLI runs on the host for `DOCKER_HOST=ssh://…`: the engine's API on the session's stdin and stdout. */
export const DIAL_STDIO = 'docker system dial-stdio';
/** Sessions per ssh connection: OpenSSH's MaxSessions is 10 by default. */
const MAX_CHANNELS = 8;
/** Keeps a quiet connection through NATs, and finds a dead host in three missed beats. */
const KEEPALIVE_MS = 15_000;
/** Idle sessions kept for the next calls: each is a dial-stdio process on the host; the rest are closed. */
const IDLE_CHANNELS = 4;
/** What the session's stderr keeps for the error (docker's own words: not found, permission denied). */
const STDERR_BYTES = 1024;

/** An ssh:// url and its credentials, checked: throws ERR_SSH_CONFIG saying what is wrong (for a host record's validation too). */
export function sshTarget(url: string, ssh: EngineSsh | undefined): SshTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(`'${url}' is not a url (ssh://user@host[:port])`);
  }
  if (parsed.protocol !== 'ssh:' || !parsed.hostname) throw configError(`'${url}' is not ssh://user@host[:port]`);
  if (!parsed.username) throw configError(`'${url}' names no user (ssh://user@host[:port])`);
  if (parsed.password) throw configError('a password in the url is not supported: log in with a key');
  if (parsed.pathname && parsed.pathname !== '/') throw configError(`'${url}' has a path; the engine is reached by ${DIAL_STDIO}`);
  if (!ssh) throw configError('an ssh:// host needs a private key and the pinned host key');
  checkSshPrivateKey(ssh.privateKey);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port || 22),
    username: decodeURIComponent(parsed.username),
    privateKey: ssh.privateKey,
    pinned: parseKnownHostKeys(ssh.knownHostKey),
  };
}

/** A private key as ssh2 will log in with it (OpenSSH, PEM or PPK, no passphrase): throws ERR_SSH_CONFIG saying what is wrong. */
export function checkSshPrivateKey(text: string): void {
  const key = ssh2().utils.parseKey(text);
  if (key instanceof Error) {
    if (/no passphrase given/i.test(key.message)) throw configError('the private key is protected by a passphrase: give it without one');
    throw configError(`the private key is unusable (${key.message})`);
  }
  if (Array.isArray(key) || !key.isPrivateKey()) throw configError('the private key is not one private key');
}

/** One ssh connection and the sessions open on it. */
interface SshSession {
  client: Ssh2.Client;
  ready: Promise<void>;
  channels: number;
  closed: boolean;
}

/**
 * An http.Agent whose sockets are `docker system dial-stdio` sessions over ssh, as the docker CLI reaches an
 * ssh:// engine: keep-alive like the other transports (an idle session serves the next call), several sessions
 * per ssh connection, and the host key checked against the pinned one on every connection, never accepted blindly.
 */
export class SshDialAgent extends HttpAgent {
  private readonly sessions = new Set<SshSession>();

  constructor(
    private readonly target: SshTarget | SshTransportError,
    private readonly handshakeTimeoutMs: number,
  ) {
    super({ keepAlive: true, maxFreeSockets: IDLE_CHANNELS });
  }

  /** Node's agent takes a callback for sockets made asynchronously. */
  override createConnection(_options: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    this.openChannel().then(
      (channel) => callback(null, channel),
      (error: Error) => callback(error),
    );
    return undefined;
  }

  override destroy(): void {
    super.destroy();
    for (const session of this.sessions) session.client.end();
    this.sessions.clear();
  }

  private async openChannel(): Promise<Duplex> {
    const target = this.target;
    if (target instanceof Error) throw target;
    const session = [...this.sessions].find((s) => !s.closed && s.channels < MAX_CHANNELS) ?? this.connect(target);
    session.channels++;
    try {
      await session.ready;
      const channel = await new Promise<ClientChannel>((resolve, reject) =>
        session.client.exec(DIAL_STDIO, (error, opened) => (error ? reject(error) : resolve(opened))),
      );
      channel.once('close', () => {
        // The last session gone (the engine or the pool closed it): the connection goes too, the next call makes one.
        if (--session.channels === 0) this.retire(session);
      });
      return asSocket(channel, `${target.username}@${target.host}:${target.port}`);
    } catch (error) {
      if (--session.channels === 0) this.retire(session);
      throw error;
    }
  }

  private retire(session: SshSession): void {
    session.closed = true;
    this.sessions.delete(session);
    session.client.end();
  }

  private connect(target: SshTarget): SshSession {
    const client = new (ssh2().Client)();
    const where = `${target.host}:${target.port}`;
    let shown: Buffer | undefined;
    const session: SshSession = { client, channels: 0, closed: false, ready: Promise.resolve() };
    const drop = () => {
      session.closed = true;
      this.sessions.delete(session);
    };
    session.ready = new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.on('error', (error: Error & { level?: string }) => {
        drop();
        reject(sshFailure(error, target, where, shown, this.handshakeTimeoutMs));
      });
      client.once('close', () => {
        drop();
        reject(Object.assign(new Error(`ssh: ${where} closed the connection`), { code: 'ECONNRESET' }));
      });
    });
    // Awaited by each channel; a failed connection is dropped and the next call connects again.
    session.ready.catch(() => undefined);
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: this.handshakeTimeoutMs,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      // Only the pinned keys' types are offered, so the server shows one of them (or none: a mismatch too).
      algorithms: { serverHostKey: hostKeyAlgorithms(target.pinned) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      hostVerifier: (key: Buffer) => {
        if (isPinned(target.pinned, key)) return true;
        shown = Buffer.from(key);
        return false;
      },
    };
    this.sessions.add(session);
    client.connect(config);
    return session;
  }
}

/** ssh2's failure as the engine layer reads it: the ERR_SSH_* codes, a socket's code, or ETIMEDOUT. */
function sshFailure(
  error: Error & { level?: string },
  target: SshTarget,
  where: string,
  shown: Buffer | undefined,
  timeoutMs: number,
): Error {
  if (shown) return hostKeyMismatch(where, target.pinned, shown);
  if (/no matching host key/i.test(error.message)) return hostKeyMismatch(where, target.pinned);
  if (error.level === 'client-authentication') {
    return new SshTransportError('ERR_SSH_AUTH', `the ssh server of ${where} refused the key of user '${target.username}'`);
  }
  if (error.level === 'client-timeout') {
    return Object.assign(new Error(`ssh: no handshake with ${where} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
  }
  return error;
}

/**
 * A session channel made to pass for a socket in Node's http client and agent (keep-alive and timeouts are the
 * ssh connection's); dial-stdio failing on the host (no docker, no access to its socket) fails the request with its words.
 */
export function asSocket(channel: ClientChannel, where: string): Duplex {
  let stderr = '';
  channel.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_BYTES) stderr += chunk.toString('utf8').slice(0, STDERR_BYTES - stderr.length);
  });
  channel.once('exit', (code: number | null) => {
    // Only a request waiting on it hears of it; ssh2's destroy() takes no error, so it is emitted first.
    if (code === 0 || channel.listenerCount('error') === 0) return;
    const words = stderr.trim() || 'no output';
    channel.emit(
      'error',
      new SshTransportError('ERR_SSH_DIAL_STDIO', `'${DIAL_STDIO}' failed on ${where} (exit ${code}): ${words}`, code ?? undefined),
    );
    channel.destroy();
  });
  const noop = () => channel;
  return Object.assign(channel, { setKeepAlive: noop, setNoDelay: noop, setTimeout: noop, ref: noop, unref: noop });
}
