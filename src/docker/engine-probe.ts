import type Docker from 'dockerode';
import { SSH_AUTH, SSH_DIAL_STDIO, SSH_HOST_KEY_MISMATCH, engineMessage, tlsFailureReason } from './engine-errors.js';

/** Why Berth cannot use an engine, as `POST /hosts/test` answers it. */
export type ProbeReason = 'tls' | 'auth' | 'host-key' | 'unreachable' | 'not-docker';

export interface EngineProbe {
  ok: boolean;
  reason?: ProbeReason;
  detail?: string;
  engineVersion?: string;
  apiVersion?: string;
  /** Present when the engine is in a swarm. */
  swarm?: { role: 'manager' | 'worker'; nodeId: string };
}

/** The TLS alerts that mean the engine refused our client certificate: our credential, not the channel. */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
]);

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS)',
  ECONNRESET: 'the connection was cut',
  EPIPE: 'the connection was cut',
};

interface RawFailure {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  json?: unknown;
  /** ssh2's stage of a failed ssh connection (`handshake`, `protocol`...). */
  level?: string;
  /** dial-stdio's exit status on the host (ERR_SSH_DIAL_STDIO). */
  exitCode?: number;
}

/** A failed probe's reason and detail, from what dockerode, node or the ssh transport threw: the one table of it. */
export function probeFailure(error: unknown): { reason: ProbeReason; detail: string } {
  const failure = (error ?? {}) as RawFailure;
  if (failure.statusCode !== undefined) {
    const message = engineMessage(failure as Parameters<typeof engineMessage>[0]);
    if (/client sent an http request to an https server/i.test(message)) {
      return { reason: 'tls', detail: 'the engine speaks only TLS at this address: give `tls` (ca, cert, key)' };
    }
    return {
      reason: 'not-docker',
      detail: `an HTTP server that is not a Docker engine answers there (HTTP ${failure.statusCode} to /_ping)`,
    };
  }
  const code = failure.code;
  // The ssh transport's own words: the mismatch names both fingerprints, a refused login its user.
  if (code === SSH_HOST_KEY_MISMATCH) return { reason: 'host-key', detail: failure.message || 'ssh: the host key is not the pinned one' };
  if (code === SSH_AUTH) return { reason: 'auth', detail: failure.message || 'ssh: the server refused the private key' };
  if (code === SSH_DIAL_STDIO) {
    // Exit 127 is the shell's "command not found": no docker CLI on the host; any other exit is its engine (socket, rights).
    return {
      reason: failure.exitCode === 127 ? 'not-docker' : 'unreachable',
      detail: failure.message || `'docker system dial-stdio' failed`,
    };
  }
  if (code && CLIENT_CERT_REFUSED.has(code)) return { reason: 'auth', detail: tlsFailureReason(code)! };
  const tls = tlsFailureReason(code);
  if (tls) return { reason: 'tls', detail: tls };
  if (code && UNREACHABLE[code]) return { reason: 'unreachable', detail: `${UNREACHABLE[code]} (${code})` };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return { reason: 'unreachable', detail: 'no answer in time' };
  if (failure.name === 'NotDockerError') return { reason: 'not-docker', detail: failure.message ?? 'not a Docker engine' };
  // An unusable record (ERR_SSH_CONFIG) and ssh2's other failures (handshake, protocol) say what went wrong.
  if (failure.message && (code === 'ERR_SSH_CONFIG' || failure.level))
    return { reason: 'unreachable', detail: failure.message.replace(/^(?!ssh: )/, 'ssh: ') };
  return { reason: 'unreachable', detail: code ? `the connection failed (${code})` : 'no answer' };
}

class NotDockerError extends Error {
  override name = 'NotDockerError';
}

interface ProbeInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
}
interface ProbeVersion {
  Version?: unknown;
  ApiVersion?: unknown;
}

/**
 * Whether Berth can use the engine behind `docker`: `/_ping`, `/version` and `/info` within `timeoutMs`,
 * with dockerode's raw errors classified (a translated problem has lost the TLS or ssh code).
 */
export async function probeEngine(docker: Docker, timeoutMs: number): Promise<EngineProbe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), timeoutMs);
  });
  const run = async (): Promise<EngineProbe> => {
    const pong: unknown = await docker.ping();
    if (!/^OK$/.test(Buffer.isBuffer(pong) ? pong.toString('utf8') : String(pong))) {
      throw new NotDockerError('an HTTP server that is not a Docker engine answers there (/_ping did not say OK)');
    }
    const version = (await docker.version()) as ProbeVersion;
    if (typeof version?.ApiVersion !== 'string' || typeof version.Version !== 'string') {
      throw new NotDockerError('an HTTP server that is not a Docker engine answers there (/version has no ApiVersion)');
    }
    const info = (await docker.info()) as ProbeInfo;
    const swarm = info.Swarm;
    return {
      ok: true,
      engineVersion: version.Version,
      apiVersion: version.ApiVersion,
      ...(swarm?.LocalNodeState === 'active' &&
        swarm.NodeID && { swarm: { role: swarm.ControlAvailable ? ('manager' as const) : ('worker' as const), nodeId: swarm.NodeID } }),
    };
  };
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    return { ok: false, ...probeFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}
