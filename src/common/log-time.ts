import type { ValidationOptions } from 'class-validator';
import { satisfies } from './validators.js';

/**
 * The one grammar of a log `since`/`until`, REST and WebSocket alike, as `docker logs --since`
 * takes it: unix seconds (`1795600800.5`), an RFC 3339 time (to the nanosecond, which is how a
 * stream tells a client where to resume; also a plain date or a time without zone) or a duration
 * before now (`10m`, `1h30m`, `45s`). Kept as nanoseconds: JavaScript dates stop at milliseconds.
 */
const UNIX = /^(\d+)(?:\.(\d+))?$/;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;
const LOOSE_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** Nanoseconds since the epoch (never before it); null when `text` is none of the forms. */
export function parseLogTime(text: string, nowMs = Date.now()): bigint | null {
  const unix = UNIX.exec(text);
  if (unix) return BigInt(unix[1]) * NS_PER_SECOND + BigInt((unix[2] ?? '').slice(0, 9).padEnd(9, '0'));
  const exact = RFC3339.exec(text);
  if (exact) {
    const millis = Date.parse(`${exact[1]}${exact[3].toUpperCase()}`);
    return Number.isNaN(millis) ? null : BigInt(millis / 1000) * NS_PER_SECOND + BigInt((exact[2] ?? '').padEnd(9, '0'));
  }
  if (LOOSE_DATE.test(text)) {
    const millis = Date.parse(text);
    return Number.isNaN(millis) ? null : BigInt(millis) * NS_PER_MS;
  }
  const duration = DURATION.exec(text);
  if (duration && text !== '') {
    const [, h = '0', m = '0', s = '0'] = duration;
    const agoMs = Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
    return BigInt(Math.max(0, Math.round(nowMs) - agoMs)) * NS_PER_MS;
  }
  return null;
}

/** The lines a log read starts with when it names no `tail`: the REST snapshot and the WebSocket stream alike. */
export const DEFAULT_LOG_TAIL = 1000;

/** The engine's `since`/`until` form: `seconds.nanoseconds`. */
export function engineTime(ns: bigint): string {
  return `${ns / NS_PER_SECOND}.${String(ns % NS_PER_SECOND).padStart(9, '0')}`;
}

/** A log snapshot's query (REST `logs` of a container or a service), as the options of one engine read to its end. */
export interface LogSnapshotQuery {
  tail?: string;
  since?: string;
  until?: string;
  stdout?: boolean;
  stderr?: boolean;
  timestamps?: boolean;
}

/** The engine's options for a snapshot: `tail` 1000 unless given (`all`: every line), both streams, no timestamps. */
export function snapshotLogOptions(query: LogSnapshotQuery) {
  const tail = query.tail ?? String(DEFAULT_LOG_TAIL);
  const since = query.since === undefined ? null : parseLogTime(query.since);
  const until = query.until === undefined ? null : parseLogTime(query.until);
  return {
    follow: false,
    stdout: query.stdout ?? true,
    stderr: query.stderr ?? true,
    timestamps: query.timestamps ?? false,
    ...(tail !== 'all' && { tail: Number(tail) }),
    ...(since !== null && { since: engineTime(since) }),
    ...(until !== null && { until: engineTime(until) }),
  };
}

export const IsLogTime = (options: ValidationOptions = {}) =>
  satisfies(
    'isLogTime',
    (value) => typeof value === 'string' && parseLogTime(value) !== null,
    '$property must be an RFC 3339 time, Unix seconds or a duration such as 10m',
    options,
  );
