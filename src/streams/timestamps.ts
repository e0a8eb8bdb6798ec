/**
 * Engine timestamps (RFC 3339 with up to nanoseconds) as integers, so that lines can be
 * compared and a client told exactly where to resume; JavaScript dates stop at milliseconds.
 */
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;
const UNIX = /^(\d{1,12})(?:\.(\d{1,9}))?$/;
const NS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds since the epoch of an RFC 3339 time or unix seconds (`1700000000.5`); null when neither. */
export function parseTime(text: string): bigint | null {
  const unix = UNIX.exec(text);
  if (unix) return BigInt(unix[1]) * NS_PER_SECOND + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const match = RFC3339.exec(text);
  if (!match) return null;
  const millis = Date.parse(`${match[1]}${match[3].toUpperCase()}`);
  if (Number.isNaN(millis)) return null;
  return BigInt(millis / 1000) * NS_PER_SECOND + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** The engine's `since`/`until` form: `seconds.nanoseconds`. */
export function engineTime(ns: bigint): string {
  return `${ns / NS_PER_SECOND}.${String(ns % NS_PER_SECOND).padStart(9, '0')}`;
}
