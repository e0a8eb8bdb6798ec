import { createHash } from 'node:crypto';
import { sortKeys } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** How long a key answers its first answer (API.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The answers a retry gets again: successes and the 4xx that say what was wrong with the request or
 * what stood in its way (validation, policy, not found, conflict). Never a 5xx or a 408/429: a retry
 * after an engine failure or a rate limit must run again.
 */
const STORED_ERROR_STATUSES = new Set([400, 403, 404, 409, 410, 413, 415, 422]);

export function isStoredStatus(status: number): boolean {
  return (status >= 200 && status < 300) || STORED_ERROR_STATUSES.has(status);
}

/** A key as the header carries it: 1-255 printable ASCII characters (RFC 9110 field value, no control characters). */
export function parseIdempotencyKey(header: string | string[]): string {
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (/^[\x20-\x7e]{1,255}$/.test(value) && value.trim().length > 0) return value;
  throw new ProblemException(400, 'VALIDATION_FAILED', `${IDEMPOTENCY_HEADER} must be 1-255 printable ASCII characters.`, {
    errors: [{ field: IDEMPOTENCY_HEADER, message: 'must be 1-255 printable ASCII characters' }],
  });
}

/** SHA-256 of the canonical JSON (keys sorted) of what the request asks: its query and its JSON body. */
export function requestHash(query: unknown, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(sortKeys({ query: query ?? {}, body: body ?? null })))
    .digest('hex');
}

/** What is stored of a key: enough to judge a retry and to answer it. */
export interface StoredKey {
  requestHash: string;
  /** Null while the first request runs. */
  status: number | null;
  owner: string;
  expiresAt: string;
}

/**
 * What a request with a key that is already stored gets:
 * - `reclaim`: the row is expired, or in flight in a process that is gone: run again under the key;
 * - `reused`: another request under the same key: 422;
 * - `in-flight`: the first request still runs: 409, retry later;
 * - `replay`: the first answer.
 */
export type KeyVerdict = 'reclaim' | 'reused' | 'in-flight' | 'replay';

export function judgeRetry(stored: StoredKey, hash: string, now: Date, owner: string): KeyVerdict {
  if (stored.expiresAt <= now.toISOString()) return 'reclaim';
  if (stored.requestHash !== hash) return 'reused';
  if (stored.status === null) return stored.owner === owner ? 'in-flight' : 'reclaim';
  return 'replay';
}

export function keyReused(): ProblemException {
  return new ProblemException(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    `This ${IDEMPOTENCY_HEADER} was used for another request (another body or query) on this route; use a new key for a new request.`,
  );
}

export function keyInFlight(): ProblemException {
  return new ProblemException(
    409,
    'IDEMPOTENCY_KEY_IN_FLIGHT',
    `The first request with this ${IDEMPOTENCY_HEADER} is still running; retry once it has answered.`,
    { headers: { 'Retry-After': '1' } },
  );
}

/** A body Berth cannot compare (a streamed tar build context): the key cannot promise anything about it. */
export function keyNeedsJson(): ProblemException {
  return new ProblemException(
    400,
    'VALIDATION_FAILED',
    `${IDEMPOTENCY_HEADER} applies to JSON bodies only; send this request without it.`,
    {
      errors: [{ field: IDEMPOTENCY_HEADER, message: 'not accepted with a non-JSON body' }],
    },
  );
}
