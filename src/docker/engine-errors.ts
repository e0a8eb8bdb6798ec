import { Logger } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';
import type { ProblemCode } from '../common/problem-codes.js';

/** What dockerode / docker-modem throws: an HTTP answer from the engine or a socket error. */
interface EngineFailure {
  statusCode?: number;
  json?: { message?: string } | string | null;
  reason?: string;
  message?: string;
  code?: string;
  name?: string;
  /** ssh2's stage of a failed ssh connection (`handshake`, `client-socket`...). */
  level?: string;
}

/** An HTTP answer from the engine outside a call's expected statuses, shaped as docker-modem's errors are. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
    message: string,
  ) {
    super(`(HTTP code ${statusCode}) ${message}`);
    this.name = 'EngineHttpError';
  }
}

/** A connection to the engine that failed or was cut; `code` as node's socket errors carry it. */
export class EngineConnectionError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    name = 'EngineConnectionError',
  ) {
    super(message);
    this.name = name;
  }
}

/** The ssh transport's failures by `error.code` (ssh-host-key.ts): the pinned host key differs, or the server refused the key. */
export const SSH_HOST_KEY_MISMATCH = 'ERR_SSH_HOST_KEY_MISMATCH';
export const SSH_AUTH = 'ERR_SSH_AUTH';
/** `docker system dial-stdio` failed on the host, after the ssh login. */
export const SSH_DIAL_STDIO = 'ERR_SSH_DIAL_STDIO';

/** Seconds a client should wait before trying an unreachable engine again. */
export const ENGINE_RETRY_AFTER_SECONDS = 5;

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND']);
/** The socket's file mode refuses Berth's user: waiting does not help, the deployment must change. */
const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);

/** What to do when the engine's socket refuses Berth, for the answer and the start log. */
export const ENGINE_PERMISSION_FIX =
  "run Berth as a user in the group that owns the engine's socket (its gid: stat -c %g on the socket; with docker compose, set DOCKER_GID to it)";

/** Node's TLS failures by code: which certificate is wrong and how, never a bare socket error. */
const TLS_FAILURES: Record<string, string> = {
  CERT_HAS_EXPIRED: "the engine's certificate has expired",
  CERT_NOT_YET_VALID: "the engine's certificate is not valid yet",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the engine's certificate is not signed by the CA in ca.pem (unknown CA)",
  UNABLE_TO_GET_ISSUER_CERT: "the engine's certificate is not signed by the CA in ca.pem (unknown CA)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the engine's certificate is not signed by the CA in ca.pem (unknown CA)",
  SELF_SIGNED_CERT_IN_CHAIN: "the engine's certificate chains to a self-signed CA that is not the one in ca.pem",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the engine's certificate is self-signed and not trusted by ca.pem",
  CERT_SIGNATURE_FAILURE: "the engine's certificate has a bad signature",
  ERR_TLS_CERT_ALTNAME_INVALID: "the engine's certificate is not for this host name or address (wrong host name)",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the engine refused our client certificate (cert.pem)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'the engine refused our client certificate (cert.pem)',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'the engine refused our client certificate (cert.pem)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the engine refused our client certificate (cert.pem): it has expired',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the engine does not trust the CA of our client certificate (cert.pem)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the engine requires a client certificate (cert.pem, key.pem in DOCKER_CERT_PATH)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the engine does not speak TLS at this address',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the engine does not speak TLS at this address',
};
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT/;

/** Why a TLS connection to the engine failed, in words that name TLS; undefined for any other failure. */
export function tlsFailureReason(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const known = TLS_FAILURES[code];
  if (known) return `TLS: ${known} (${code})`;
  return TLS_CODE.test(code) ? `TLS: the handshake with the engine failed (${code})` : undefined;
}

export function engineUnavailable(hostId: string, why: string): ProblemException {
  return new ProblemException(503, 'ENGINE_UNAVAILABLE', `The Docker engine of host '${hostId}' is unavailable: ${why}.`, {
    headers: { 'Retry-After': String(ENGINE_RETRY_AFTER_SECONDS) },
  });
}

/**
 * The engine's socket refused Berth's user (EACCES): 503 without Retry-After, since retrying
 * cannot help (bots would retry forever); the detail says what to change.
 */
export function enginePermissionDenied(hostId: string, code = 'EACCES'): ProblemException {
  return new ProblemException(
    503,
    'ENGINE_PERMISSION_DENIED',
    `Berth may not open the Docker engine's socket of host '${hostId}' (${code}): ${ENGINE_PERMISSION_FIX}.`,
  );
}

/**
 * The ssh transport's failures (ssh-dial-agent.ts): a host key other than the pinned one and a refused key are
 * answered without Retry-After, since retrying cannot help until the record or the host changes.
 */
function sshProblem(hostId: string, failure: EngineFailure): ProblemException | undefined {
  const why = failure.message ?? 'ssh failed';
  switch (failure.code) {
    case SSH_HOST_KEY_MISMATCH:
      return new ProblemException(503, 'ENGINE_HOST_KEY_MISMATCH', `Berth refused the Docker engine of host '${hostId}': ${why}.`);
    case SSH_AUTH:
      return new ProblemException(503, 'ENGINE_SSH_AUTH_FAILED', `Berth cannot log in to the Docker engine of host '${hostId}': ${why}.`);
    case 'ERR_SSH_CONFIG':
      return new ProblemException(
        503,
        'ENGINE_UNAVAILABLE',
        `The Docker engine of host '${hostId}' cannot be reached as configured: ${why}.`,
      );
    case SSH_DIAL_STDIO:
      return engineUnavailable(hostId, why);
  }
  // ssh2's other failures say ssh; a socket's (ECONNREFUSED...) reads as on any transport.
  if (failure.level && !(failure.code && CONNECTION_CODES.has(failure.code))) return engineUnavailable(hostId, `ssh: ${why}`);
  return undefined;
}

/** The engine's own words, without docker-modem's "(HTTP code 404) no such container - " prefix. */
export function engineMessage(error: EngineFailure): string {
  const json = error.json;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message.trim();
  if (typeof json === 'string' && json.trim()) return json.trim();
  return (error.message ?? 'engine error').replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

/** Runtime error chains: `OCI runtime create failed: container_linux.go:380: starting container process caused: ...`. */
const RUNTIME_FAILURE = /\bOCI runtime \w+ failed\b|\bfailed to create shim\b|\brunc \w+ failed\b|\b\w+_linux\.go:\d+:/;
/** Where a chain names its cause: what comes after the last of these is what went wrong. */
const CAUSE_MARKERS = /.*(?:\bcaused:|\bunable to start container process:|\bexec failed:)\s*/s;
/** Go source positions (`container_linux.go:380: `) and runc's trailing `: unknown` status. */
const SOURCE_POSITION = /\b[\w-]+\.go:\d+:\s*/g;
const UNKNOWN_STATUS = /:\s*unknown(?=:|$)/g;
const SEGMENT_END = String.raw`(?=[/\s"':,]|$)`;
const REST = String.raw`(?:/[^\s"':,]*)?`;
/** A path starts a token: not inside another path or word (`/usr/lib/docker` is not `/lib/docker`). */
const PATH_START = String.raw`(?<![\w.\-/])`;
/** Paths inside the engine's own state (data root, run dirs, layers, volumes' data): never for clients. */
const ENGINE_PATH = new RegExp(
  String.raw`${PATH_START}(?:/var)?/(?:lib|run)/(?:docker|containerd|runc)${SEGMENT_END}${REST}` +
    String.raw`|${PATH_START}/[^\s"':,]*/(?:overlay2?|aufs|btrfs|zfs|devicemapper|vfs|_data|merged|[0-9a-f]{64})${SEGMENT_END}${REST}`,
  'g',
);
export const ENGINE_PATH_MARKER = '<engine path>';

/**
 * The engine's message as a client may read it: a runtime failure keeps only its cause
 * (`executable file not found in $PATH: nope`, not runc's call chain), and no path inside the
 * engine's state (layers, volumes' data, run dirs) survives. Paths the client gave are kept.
 */
export function cleanEngineMessage(message: string): string {
  let clean = message;
  if (RUNTIME_FAILURE.test(clean)) {
    clean = clean.replace(CAUSE_MARKERS, '').replace(SOURCE_POSITION, '').replace(UNKNOWN_STATUS, '');
    // `exec: "nope": executable file not found in $PATH` → what, then which.
    clean = clean.replace(/^exec: "([^"]*)": (.+)$/s, '$2: $1');
  }
  clean = clean.replace(ENGINE_PATH, ENGINE_PATH_MARKER).trim();
  return clean || 'the engine failed';
}

const logger = new Logger('EngineErrors');

export function isNotModified(error: unknown): boolean {
  return (error as EngineFailure)?.statusCode === 304;
}

/**
 * The one place that turns an engine failure into a problem with a stable code.
 * The engine says what went wrong only in prose, so the match is on its wording.
 */
export function translateEngineError(hostId: string, error: unknown): ProblemException {
  if (error instanceof ProblemException) return error;
  const failure = (error ?? {}) as EngineFailure;
  const status = failure.statusCode;
  if (status === undefined) {
    const ssh = sshProblem(hostId, failure);
    if (ssh) return ssh;
    const tls = tlsFailureReason(failure.code);
    if (tls) return engineUnavailable(hostId, tls);
    if (failure.code && PERMISSION_CODES.has(failure.code)) return enginePermissionDenied(hostId, failure.code);
    if (failure.code && CONNECTION_CODES.has(failure.code)) return engineUnavailable(hostId, `cannot connect (${failure.code})`);
    if (failure.name === 'AbortError' || failure.name === 'TimeoutError') return engineUnavailable(hostId, 'timed out');
    return engineUnavailable(hostId, 'no answer');
  }
  const full = engineMessage(failure);
  const message = cleanEngineMessage(full);
  // The client gets the cause; the engine's full words (runtime internals, paths) stay in the log.
  if (message !== full)
    logger.warn({ msg: 'engine error cleaned for the client', host: hostId, status, engineMessage: full, detail: message });
  // Codes are read from the engine's full words; the client reads the clean ones.
  const lower = full.toLowerCase();
  const problem = (httpStatus: number, code: ProblemCode) => new ProblemException(httpStatus, code, message);

  // Plain HTTP to an engine that speaks only TLS: Berth's configuration, not the request, is wrong.
  if (lower.includes('client sent an http request to an https server')) {
    return engineUnavailable(hostId, 'TLS: the engine speaks only TLS; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH');
  }

  if (lower.includes('port is already allocated') || lower.includes('address already in use')) {
    return problem(409, 'PORT_ALLOCATED');
  }
  // A pull reports these with any status, or inside its 200 progress stream.
  if (lower.includes('manifest unknown') || lower.includes('pull access denied') || lower.includes('repository does not exist')) {
    return problem(404, 'IMAGE_NOT_FOUND');
  }
  if (lower.includes('unauthorized') || lower.includes('authentication required') || lower.includes('no basic auth credentials')) {
    return new ProblemException(502, 'REGISTRY_AUTH_FAILED', message);
  }
  // The engine answers 500 for unpausing a container that is not paused.
  if (lower.includes('is not paused')) return problem(409, 'CONTAINER_NOT_PAUSED');
  // ...and for a list filter (`before`, `since`) that names no container.
  if (lower.startsWith('no such container')) return problem(404, 'CONTAINER_NOT_FOUND');
  // An id prefix that more than one object has (`docker logs 0`): the request is ambiguous, newer engines say 400.
  if (lower.startsWith('multiple ids found with provided prefix')) return problem(400, 'AMBIGUOUS_REFERENCE');
  // A network name two networks share (made before CheckDuplicate), or an id prefix two ids have.
  if (/^network .* is ambiguous/.test(lower)) return problem(400, 'AMBIGUOUS_REFERENCE');
  // Networks: the engine answers 403 for these, which are conflicts with the state, not a lack of rights.
  if (lower.includes('has active endpoints')) return problem(409, 'NETWORK_IN_USE');
  if (lower.includes('is a pre-defined network')) return problem(403, 'PREDEFINED_NETWORK');
  if (/endpoint with name .* already exists in network/.test(lower)) return problem(409, 'CONFLICT');
  if (lower.includes('volume is in use')) return problem(409, 'VOLUME_IN_USE');
  // The engine answers 500 for disconnecting a container that is not connected.
  if (/is not connected to (the )?network/.test(lower)) return problem(409, 'CONTAINER_NOT_CONNECTED');
  const swarm = swarmProblem(hostId, lower, message);
  if (swarm) return swarm;
  // `docker top` runs the host's ps with the caller's options: ps refusing them, or a format without a PID column, is the request's fault.
  if (lower.startsWith('ps: ') || lower.includes("couldn't find pid field in ps output")) return problem(400, 'INVALID_PS_ARGS');
  // Swarm services (the rest of Swarm's words: swarmProblem): a rollback with nothing to go back to.
  if (lower.includes('does not have a previous spec')) return problem(409, 'SERVICE_NO_PREVIOUS_SPEC');
  if (/\bservice \S+ not found\b/.test(lower) || lower.startsWith('no such service')) return problem(404, 'SERVICE_NOT_FOUND');
  if (lower.includes('name conflicts with an existing object')) return problem(409, 'NAME_CONFLICT');
  switch (status) {
    case 400:
      if (lower.includes('same name as its current name')) return problem(409, 'NAME_UNCHANGED');
      return problem(400, 'ENGINE_REJECTED');
    case 401:
    case 403:
      if (lower.includes('unauthorized') || lower.includes('authentication required') || lower.includes('denied')) {
        return new ProblemException(502, 'REGISTRY_AUTH_FAILED', message);
      }
      return problem(502, 'ENGINE_ERROR');
    case 404:
      if (lower.startsWith('no such container')) return problem(404, 'CONTAINER_NOT_FOUND');
      if (lower.startsWith('no such image') || lower.includes('pull access denied') || lower.includes('manifest unknown')) {
        return problem(404, 'IMAGE_NOT_FOUND');
      }
      if (lower.startsWith('no such exec')) return problem(404, 'EXEC_NOT_FOUND');
      if (lower.includes('no such volume')) return problem(404, 'VOLUME_NOT_FOUND');
      if (lower.includes('network') && lower.includes('not found')) return problem(404, 'NETWORK_NOT_FOUND');
      return problem(404, 'NOT_FOUND');
    case 409:
      if (lower.includes('is already in use')) return problem(409, 'NAME_CONFLICT');
      if (/^network with name .* already exists/.test(lower)) return problem(409, 'NAME_CONFLICT');
      if (lower.includes('cannot remove a running container') || lower.includes('stop the container before')) {
        return problem(409, 'CONTAINER_RUNNING');
      }
      if (
        lower.includes('image is being used') ||
        lower.includes('image is referenced') ||
        lower.includes('must be forced') ||
        lower.includes('is using its referenced image')
      ) {
        return problem(409, 'IMAGE_IN_USE');
      }
      if (lower.includes('is not running')) return problem(409, 'CONTAINER_NOT_RUNNING');
      if (lower.includes('is paused') || lower.includes('is already paused')) return problem(409, 'CONTAINER_PAUSED');
      return problem(409, 'CONFLICT');
    default:
      if (status >= 500) return problem(502, 'ENGINE_ERROR');
      return problem(status >= 400 && status < 500 ? status : 502, 'ENGINE_ERROR');
  }
}

/** Swarm's objects by the engine's `<kind> <ref> not found`; `service` is the services part's, the task filter names it too. */
const SWARM_NOT_FOUND: Record<string, ProblemCode> = {
  node: 'NODE_NOT_FOUND',
  task: 'TASK_NOT_FOUND',
  secret: 'SECRET_NOT_FOUND',
  config: 'CONFIG_NOT_FOUND',
  service: 'SERVICE_NOT_FOUND',
};

/**
 * Swarm's answers (engine 503 for a node that cannot serve cluster state, gRPC words inside 400/409/500):
 * which state the host is in and what to do, never a bare 502.
 */
function swarmProblem(hostId: string, lower: string, message: string): ProblemException | undefined {
  if (lower.includes('this node is not a swarm manager') || lower.includes('not part of a swarm')) {
    // A worker is in a swarm but holds no cluster state; any other node is in none.
    if (lower.includes('worker nodes')) {
      return new ProblemException(409, 'NOT_A_SWARM_MANAGER', `Host '${hostId}' is a Swarm worker: ask a manager host. (${message})`);
    }
    return new ProblemException(409, 'SWARM_NOT_ACTIVE', `Host '${hostId}' is not in a swarm (docker swarm init / join on it first).`);
  }
  if (lower.includes('does not have a leader') || lower.includes('swarm is locked')) {
    return new ProblemException(503, 'SWARM_UNAVAILABLE', message, { headers: { 'Retry-After': String(ENGINE_RETRY_AFTER_SECONDS) } });
  }
  const notFound = /^(node|task|secret|config|service) \S+ not found/.exec(lower);
  if (notFound) return new ProblemException(404, SWARM_NOT_FOUND[notFound[1]], message);
  if (/^(node|task|secret|config|service) .* is ambiguous/.test(lower)) return new ProblemException(400, 'AMBIGUOUS_REFERENCE', message);
  if (/code = alreadyexists/.test(lower) || /^(secret|config|service) .* already exists/.test(lower)) {
    return new ProblemException(409, 'NAME_CONFLICT', message);
  }
  const inUse = /^(?:rpc error: code = \w+ desc = )?(secret|config) '.*' is in use by/.exec(lower);
  if (inUse) return new ProblemException(409, inUse[1] === 'secret' ? 'SECRET_IN_USE' : 'CONFIG_IN_USE', message);
  if (lower.includes('update out of sequence')) return new ProblemException(409, 'SWARM_UPDATE_OUT_OF_SEQUENCE', message);
  return undefined;
}

/** A failure the engine reported inside a 200 build or push stream; `output` (the failing build step's lines) follows its message. */
export function streamFailure(hostId: string, message: string, output = ''): ProblemException {
  const problem = translateEngineError(hostId, new EngineHttpError(500, { message }, message));
  if (!output) return problem;
  return new ProblemException(problem.getStatus(), problem.code, `${problem.detail}\n${output}`, problem.problem);
}
