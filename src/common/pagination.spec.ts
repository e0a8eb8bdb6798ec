import { describe, expect, it } from 'vitest';
import { type PageOrder, compareKeys, decodeCursor, encodeCursor, pageFromRows, pageOf } from './pagination.js';

interface Item {
  id: string;
  createdAt: string;
}

const newestFirst: PageOrder<Item> = { key: (i) => [i.createdAt, i.id], parts: 2, descending: true };
const item = (id: string, createdAt: string): Item => ({ id, createdAt });
// Two share a creation time: the id breaks the tie.
const items = [item('a', '2026-01-01'), item('d', '2026-01-03'), item('b', '2026-01-02'), item('c', '2026-01-02'), item('e', '2026-01-04')];

/** Every page of a list, following nextCursor from the start. */
function walk(list: readonly Item[], limit: number): { pages: string[][]; totals: number[] } {
  const pages: string[][] = [];
  const totals: number[] = [];
  let cursor: string | undefined;
  do {
    const page = pageOf(list, { limit, cursor }, newestFirst);
    pages.push(page.items.map((i) => i.id));
    totals.push(page.total);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length < 100);
  return { pages, totals };
}

describe('cursor codec', () => {
  it.each([[['2026-01-01T00:00:00.000Z', 'abc']], [['only']], [['', 'émoji 🐳', '"quoted"']]])('round-trips %j', (key) => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, key.length)).toEqual(key);
  });

  it.each([
    ['not base64 JSON', 'bm9wZQ', 2],
    ['a number', Buffer.from('42').toString('base64url'), 1],
    ['an object', Buffer.from('{"a":1}').toString('base64url'), 1],
    ['a key of another length', encodeCursor(['a']), 2],
    ['a key with a number', Buffer.from('["a",1]').toString('base64url'), 2],
    ['garbage', '!!!', 1],
  ])('refuses %s with 400 VALIDATION_FAILED on cursor', (_name, cursor, parts) => {
    expect(() => decodeCursor(cursor, parts)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', problem: { errors: [expect.objectContaining({ field: 'cursor' })] } }),
    );
  });
});

describe('compareKeys', () => {
  it.each([
    [['a'], ['b'], -1],
    [['b'], ['a'], 1],
    [['a', 'x'], ['a', 'x'], 0],
    [['a', 'x'], ['a', 'y'], -1],
    // Code-unit order, not locale order: the cursor compares as the sort did.
    [['B'], ['a'], -1],
  ])('%j vs %j → %i', (a, b, sign) => {
    expect(Math.sign(compareKeys(a, b))).toBe(sign);
  });
});

describe('pageOf', () => {
  it.each([
    [1, [['e'], ['d'], ['c'], ['b'], ['a']]],
    [2, [['e', 'd'], ['c', 'b'], ['a']]],
    [5, [['e', 'd', 'c', 'b', 'a']]],
    [1000, [['e', 'd', 'c', 'b', 'a']]],
  ])('limit %i: every item once, newest first, the same total on every page', (limit, pages) => {
    expect(walk(items, limit)).toEqual({ pages, totals: pages.map(() => 5) });
  });

  it('pages an empty list as one empty page', () => {
    expect(pageOf([], {}, newestFirst)).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('pages ascending when the order says so', () => {
    const byName: PageOrder<Item> = { key: (i) => [i.id], parts: 1 };
    const first = pageOf(items, { limit: 2 }, byName);
    expect(first.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(pageOf(items, { limit: 2, cursor: first.nextCursor! }, byName).items.map((i) => i.id)).toEqual(['c', 'd']);
  });

  it('neither repeats nor skips the items that stay when items come and go between pages', () => {
    const first = pageOf(items, { limit: 2 }, newestFirst);
    expect(first.items.map((i) => i.id)).toEqual(['e', 'd']);
    // A newer item arrives and the last item of the page goes away: the next page goes on after it.
    const changed = [...items.filter((i) => i.id !== 'd'), item('f', '2026-01-05')];
    expect(pageOf(changed, { limit: 2, cursor: first.nextCursor! }, newestFirst).items.map((i) => i.id)).toEqual(['c', 'b']);
  });

  it('answers an empty last page for a cursor past the end', () => {
    expect(pageOf(items, { cursor: encodeCursor(['1999-01-01', 'z']) }, newestFirst)).toEqual({ items: [], nextCursor: null, total: 5 });
  });

  it('does not reorder the list it was given (coalesced readers share it)', () => {
    const shared = [...items];
    pageOf(shared, { limit: 2 }, newestFirst);
    expect(shared).toEqual(items);
  });
});

describe('pageFromRows', () => {
  it.each([
    ['more rows than the page', ['r1', 'r2', 'r3'], 2, ['r1', 'r2'], true],
    ['exactly the page', ['r1', 'r2'], 2, ['r1', 'r2'], false],
    ['no rows', [], 2, [], false],
  ])('%s', (_name, rows, limit, kept, more) => {
    const page = pageFromRows(rows, 9, limit, (row) => [row]);
    expect(page.items).toEqual(kept);
    expect(page.total).toBe(9);
    expect(page.nextCursor === null ? null : decodeCursor(page.nextCursor, 1)).toEqual(more ? [kept[kept.length - 1]] : null);
  });
});
