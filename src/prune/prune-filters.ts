import type { ValidationOptions } from 'class-validator';
import { parseLogTime } from '../common/log-time.js';
import { satisfies } from '../common/validators.js';

/**
 * A prune label filter, as `docker system prune --filter label…` takes them: `k` (has the label),
 * `k=v` (has it with that value), `k!=v` (does not have that value, or not the label at all).
 */
export type LabelFilter = { key: string; op: 'has' } | { key: string; op: 'is' | 'isNot'; value: string };

// A key is what the engine accepts as a label key: no `=`, no `!` at its end, no whitespace.
const LABEL_FILTER = /^([^=!\s]+(?:![^=!\s]+)*)(?:(!?=)(.*))?$/s;

/** The filter `text` is; undefined when it is none of the forms. */
export function parseLabelFilter(text: string): LabelFilter | undefined {
  const match = LABEL_FILTER.exec(text);
  if (!match) return undefined;
  const [, key, op, value] = match;
  if (op === undefined) return { key, op: 'has' };
  if (/[\n\r]/.test(value)) return undefined;
  return { key, op: op === '=' ? 'is' : 'isNot', value };
}

/** Whether `labels` pass every filter (they are ANDed, as the engine does). */
export function matchesLabels(labels: Record<string, string> | null | undefined, filters: LabelFilter[]): boolean {
  const own = labels ?? {};
  return filters.every((filter) => {
    const has = Object.hasOwn(own, filter.key);
    if (filter.op === 'has') return has;
    if (filter.op === 'is') return has && own[filter.key] === filter.value;
    return !has || own[filter.key] !== filter.value;
  });
}

/** `until` in nanoseconds since the epoch, in the CLI's forms (RFC 3339, unix seconds, a duration before now). */
export function parseUntil(text: string, nowMs = Date.now()): bigint | undefined {
  return parseLogTime(text, nowMs) ?? undefined;
}

/** Created strictly before `until` (ns): what the CLI's `until` keeps for pruning. No time known: not pruned. */
export function createdBefore(createdNs: bigint | undefined, until: bigint | undefined): boolean {
  if (until === undefined) return true;
  return createdNs !== undefined && createdNs < until;
}

/** The engine's `Created` in unix seconds (containers, images), as nanoseconds. */
export function unixSecondsNs(seconds: number | undefined): bigint | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? BigInt(Math.trunc(seconds)) * 1_000_000_000n : undefined;
}

/** The engine's RFC 3339 `Created`/`CreatedAt` (networks, volumes, build cache), as nanoseconds. */
export function rfc3339Ns(text: string | null | undefined): bigint | undefined {
  return text ? (parseLogTime(text) ?? undefined) : undefined;
}

export const IsLabelFilter = (options: ValidationOptions = {}) =>
  satisfies(
    'isLabelFilter',
    (value) => typeof value === 'string' && value.length <= 512 && parseLabelFilter(value) !== undefined,
    'each value of $property must be a label filter: `key`, `key=value` or `key!=value`',
    options,
  );
