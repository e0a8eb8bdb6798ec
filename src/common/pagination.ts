import { ProblemException } from './problem.js';

/** Page size when a request gives none: high enough that a host's usual lists arrive whole (API.md, "Lists"). */
export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 1000;

/** What a list request asks of the pager: `limit` and the previous page's `nextCursor`. */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** The one list shape: a page, the cursor of the next one (null on the last), and how many match in all. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

/** The order a list is paged in: the sort key of an item (unique within the list), ascending or descending. */
export interface PageOrder<T> {
  key: (item: T) => string[];
  /** How many parts the key has (a cursor of another length is not one of this list's). */
  parts: number;
  descending?: boolean;
}

/** An opaque cursor: the last item's sort key, so that inserts and removals neither repeat nor skip the items that stay. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key in a cursor this API gave, of the length the list's key has; anything else is a 400. */
export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === 'string')) return key as string[];
  } catch {
    // Answered below.
  }
  throw invalidCursor();
}

export function invalidCursor(): ProblemException {
  return new ProblemException(400, 'VALIDATION_FAILED', 'cursor must be the nextCursor of a previous page', {
    errors: [{ field: 'cursor', message: 'not a cursor this API gave' }],
  });
}

/** Compares sort keys part by part in code-unit order (not locale order: the cursor must compare as the sort did). */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Pages a list read whole (an engine list, after its filters): sorts it, starts after the cursor's
 * key and takes `limit`. `total` counts the whole list. The input is not changed (it may be shared
 * by coalesced readers).
 */
export function pageOf<T>(items: readonly T[], request: PageRequest, order: PageOrder<T>): Page<T> {
  const limit = request.limit ?? DEFAULT_PAGE_LIMIT;
  const sign = order.descending ? -1 : 1;
  const keyed = items.map((item) => ({ item, key: order.key(item) }));
  keyed.sort((a, b) => sign * compareKeys(a.key, b.key));
  let start = 0;
  if (request.cursor !== undefined) {
    const after = decodeCursor(request.cursor, order.parts);
    start = keyed.findIndex((entry) => sign * compareKeys(entry.key, after) > 0);
    if (start < 0) start = keyed.length;
  }
  const page = keyed.slice(start, start + limit);
  const more = start + limit < keyed.length;
  return { items: page.map((entry) => entry.item), nextCursor: more ? encodeCursor(page[page.length - 1].key) : null, total: keyed.length };
}

/**
 * Pages a list read from the database by keyset: the repository answers up to `limit + 1` rows after
 * the cursor's key; this trims to `limit` and makes the next cursor from the last row kept.
 */
export function pageFromRows<T>(rows: readonly T[], total: number, limit: number, key: (item: T) => string[]): Page<T> {
  const page = rows.slice(0, limit);
  return { items: page, nextCursor: rows.length > limit ? encodeCursor(key(page[page.length - 1])) : null, total };
}

/** The same page with its items mapped (rows to views). */
export function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { ...page, items: page.items.map(map) };
}
