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

export const IsLogTime = (options: ValidationOptions = {}) =>
  satisfies(
    'isLogTime',
    (value) => typeof value === 'string' && parseLogTime(value) !== null,
    '$property must be an RFC 3339 time, Unix seconds or a duration such as 10m',
    options,
  );
