// Why a stream could not open or ended badly, one class per close code of openapi/asyncapi.yaml.

/** Every error a stream helper throws. `code` is the WebSocket close code when there was one. */
export class BerthStreamError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly reason: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Refused before the stream started: the HTTP answer to the upgrade (Node `ws`), or close 4000 + status (browsers). */
export class StreamRefusedError extends BerthStreamError {
  constructor(
    /** The HTTP status: 401, 403, 404, 409, 503... */
    readonly status: number,
    /** The problem's stable code (`CONTAINER_NOT_FOUND`...), when the answer named one. */
    readonly problemCode: string | undefined,
    detail: string,
    code?: number,
  ) {
    super(`stream refused with ${status}${problemCode ? ` ${problemCode}` : ''}: ${detail}`, code, detail);
  }
}

/** 1001: the server is shutting down; reconnect later. */
export class ServerGoingAwayError extends BerthStreamError {}
/** 1003: a frame the channel does not take (text on exec). */
export class UnsupportedFrameError extends BerthStreamError {}
/** 1008: the credentials were revoked or their access changed (API key deleted, user disabled, logged out, role changed). */
export class StreamRevokedError extends BerthStreamError {}
/** 1011: the engine failed or refused the stream; `reason` says why. */
export class StreamEngineError extends BerthStreamError {}
/** 1013: too many open streams for this user (`BERTH_STREAMS_PER_USER`). */
export class TooManyStreamsError extends BerthStreamError {}

/** 4000: this client read too slowly. For logs, reconnect with `since` (that line comes again first: skip it). */
export class SlowConsumerError extends BerthStreamError {
  /** Where to resume a log stream, from the reason (`since=<ts>`). */
  readonly since: string | undefined;
  constructor(message: string, code: number | undefined, reason: string) {
    super(message, code, reason);
    this.since = /since=(\S+)/.exec(reason)?.[1];
  }
}

/** The error a close code means, or undefined for a normal end (1000). */
export function closeError(code: number, reason: string): BerthStreamError | undefined {
  if (code === 1000) return undefined;
  const message = `stream closed with ${code}${reason ? `: ${reason}` : ''}`;
  // Browsers cannot read the HTTP status of a refused upgrade: Berth closes with 4000 + status instead.
  if (code >= 4400 && code < 4600) {
    const problemCode = /^[A-Z][A-Z_]+\b/.exec(reason)?.[0];
    return new StreamRefusedError(code - 4000, problemCode, reason, code);
  }
  const kind =
    {
      1001: ServerGoingAwayError,
      1003: UnsupportedFrameError,
      1008: StreamRevokedError,
      1011: StreamEngineError,
      1013: TooManyStreamsError,
      4000: SlowConsumerError,
    }[code] ?? BerthStreamError;
  return new kind(message, code, reason);
}

/** The refusal an upgrade answered with, from its status and problem+json body. */
export function refusalError(status: number, body: string): StreamRefusedError {
  try {
    const problem = JSON.parse(body) as { code?: unknown; detail?: unknown };
    return new StreamRefusedError(
      status,
      typeof problem.code === 'string' ? problem.code : undefined,
      typeof problem.detail === 'string' ? problem.detail : body,
    );
  } catch {
    return new StreamRefusedError(status, undefined, body);
  }
}
