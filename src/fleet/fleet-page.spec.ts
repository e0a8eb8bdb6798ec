import { describe, expect, it } from 'vitest';
import { type PageRequest, encodeCursor, pageOf } from '../common/pagination.js';
import { ProblemException } from '../common/problem.js';
import { type FleetPage, type HostListRead, readFleetPage } from './fleet-page.js';

interface Item {
  id: string;
}

const ORDER = { key: (item: Item) => [item.id], parts: 1 };
const options = { timeoutMs: 1000, cursorOf: (item: Item) => encodeCursor(ORDER.key(item)) };

/** Per-host lists as the per-host services answer them (pageOf over the host's whole list). */
function hostsWith(lists: Record<string, string[] | Error>): { read: HostListRead<Item>; asked: Array<[string, PageRequest]> } {
  const asked: Array<[string, PageRequest]> = [];
  const read: HostListRead<Item> = async (host, request) => {
    asked.push([host, request]);
    const list = lists[host];
    if (list instanceof Error) throw list;
    return pageOf(
      list.map((id) => ({ id })),
      request,
      ORDER,
    );
  };
  return { read, asked };
}

const ids = (page: FleetPage<Item>) => page.items.map((item) => `${item.host}/${item.id}`);

/** Follows nextCursor from the first page. */
async function walk(hosts: string[], read: HostListRead<Item>, limit: number): Promise<FleetPage<Item>[]> {
  const pages: FleetPage<Item>[] = [];
  let cursor: string | undefined;
  do {
    const page = await readFleetPage(hosts, read, { limit, cursor }, options);
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 20);
  return pages;
}

describe('readFleetPage', () => {
  it('orders by host id, then each host in its own order, each item naming its host; total adds the hosts up', async () => {
    const { read } = hostsWith({ local: ['b', 'a'], edge: ['c'], 'prod-1': [] });
    const page = await readFleetPage(['local', 'prod-1', 'edge'], read, {}, options);
    expect(ids(page)).toEqual(['edge/c', 'local/a', 'local/b']);
    expect(page).toMatchObject({ nextCursor: null, total: 3, errors: [] });
  });

  it('reads a host named twice once', async () => {
    const { read, asked } = hostsWith({ local: ['a'] });
    expect(ids(await readFleetPage(['local', 'local'], read, {}, options))).toEqual(['local/a']);
    expect(asked).toHaveLength(1);
  });

  it.each([
    ['a problem (engine down)', new ProblemException(503, 'ENGINE_UNAVAILABLE', 'The engine does not answer.'), 'ENGINE_UNAVAILABLE'],
    ['an engine error', new ProblemException(502, 'ENGINE_ERROR', 'boom'), 'ENGINE_ERROR'],
    ['an unexpected error (no message passed on)', new Error('secret internals'), 'INTERNAL_ERROR'],
  ])('answers the other hosts and names a failing one in errors: %s', async (_name, error, code) => {
    const { read } = hostsWith({ local: ['a'], edge: error });
    const page = await readFleetPage(['local', 'edge'], read, {}, options);
    expect(ids(page)).toEqual(['local/a']);
    expect(page.total).toBe(1);
    expect(page.errors).toEqual([{ host: 'edge', code, detail: expect.any(String) }]);
    expect(page.errors[0].detail).not.toContain('secret internals');
  });

  it('names a host that does not answer in time ENGINE_UNAVAILABLE, without waiting for it', async () => {
    const never: HostListRead<Item> = (host, request) =>
      host === 'slow' ? new Promise(() => undefined) : Promise.resolve(pageOf([{ id: 'a' }], request, ORDER));
    const page = await readFleetPage(['local', 'slow'], never, {}, { ...options, timeoutMs: 20 });
    expect(ids(page)).toEqual(['local/a']);
    expect(page.errors).toEqual([{ host: 'slow', code: 'ENGINE_UNAVAILABLE', detail: "Host 'slow' did not answer within 20 ms." }]);
  });

  it('fails the whole list with the 400 when Berth finds the request invalid (the same request on every host)', async () => {
    const invalid = new ProblemException(400, 'VALIDATION_FAILED', 'cursor must be the nextCursor of a previous page');
    const { read } = hostsWith({ local: ['a'], edge: invalid });
    await expect(readFleetPage(['local', 'edge'], read, {}, options)).rejects.toBe(invalid);
  });

  it.each([
    ['not base64 JSON', 'garbage'],
    ['a per-host cursor of volumes (a name)', encodeCursor(['a'])],
    ['a per-host cursor of containers (created, id)', encodeCursor(['2026-11-26T20:56:31.000Z', 'c320fb42619d'])],
    ['a per-host cursor of networks (name, id)', encodeCursor(['local', 'c320fb42619d'])],
    ['a fleet cursor with a host id out of grammar', encodeCursor(['fleet', '../x', encodeCursor(['a'])])],
  ])('refuses a cursor it did not give: %s', async (_name, cursor) => {
    const { read } = hostsWith({ local: ['a'] });
    await expect(readFleetPage(['local'], read, { cursor }, options)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it.each([
    [1, [1, 1, 1, 1, 1, 1]],
    [2, [2, 2, 2]],
    [3, [3, 3]],
    [4, [4, 2]],
    [6, [6]],
    [1000, [6]],
  ])('pages %i at a time across hosts: each item once, in order, the same total on every page', async (limit, sizes) => {
    const { read } = hostsWith({ a: ['1', '2', '3'], b: [], c: ['1'], d: ['1', '2'] });
    const pages = await walk(['d', 'c', 'b', 'a'], read, limit);
    expect(pages.map((page) => page.items.length)).toEqual(sizes);
    expect(pages.flatMap(ids)).toEqual(['a/1', 'a/2', 'a/3', 'c/1', 'd/1', 'd/2']);
    expect(pages.every((page) => page.total === 6)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeNull();
  });

  it('asks hosts before the cursor for their total only, the cursor host after its cursor, later hosts from the start', async () => {
    const { read, asked } = hostsWith({ a: ['1'], b: ['1', '2', '3'], c: ['1'] });
    const first = await readFleetPage(['a', 'b', 'c'], read, { limit: 2 }, options);
    expect(ids(first)).toEqual(['a/1', 'b/1']);
    asked.length = 0;
    const second = await readFleetPage(['a', 'b', 'c'], read, { limit: 2, cursor: first.nextCursor! }, options);
    expect(ids(second)).toEqual(['b/2', 'b/3']);
    expect(asked).toEqual([
      ['a', { limit: 1 }],
      ['b', { limit: 2, cursor: encodeCursor(['1']) }],
      ['c', { limit: 2 }],
    ]);
    expect(second.total).toBe(5);
  });

  it('neither repeats nor skips when a host is added or removed between pages', async () => {
    const lists: Record<string, string[]> = { a: ['1', '2'], c: ['1', '2'] };
    const { read } = hostsWith(lists);
    const first = await readFleetPage(['a', 'c'], read, { limit: 2 }, options);
    expect(ids(first)).toEqual(['a/1', 'a/2']);
    // The cursor's host goes, one sorted before it and one after it come: the pages go on after it, by id.
    lists.b = ['1'];
    lists['0'] = ['1'];
    const second = await readFleetPage(['0', 'b', 'c'], read, { limit: 2, cursor: first.nextCursor! }, options);
    expect(ids(second)).toEqual(['b/1', 'c/1']);
    expect(second.total).toBe(4);
    const third = await readFleetPage(['0', 'b', 'c'], read, { limit: 2, cursor: second.nextCursor! }, options);
    expect(ids(third)).toEqual(['c/2']);
    expect(third.nextCursor).toBeNull();
  });

  it('skips a host that fails between pages and goes on with the next one, naming it in errors', async () => {
    const lists: Record<string, string[] | Error> = { a: ['1', '2', '3'], b: ['1'] };
    const { read } = hostsWith(lists);
    const first = await readFleetPage(['a', 'b'], read, { limit: 1 }, options);
    lists.a = new ProblemException(503, 'ENGINE_UNAVAILABLE', 'down');
    const second = await readFleetPage(['a', 'b'], read, { limit: 1, cursor: first.nextCursor! }, options);
    expect(ids(second)).toEqual(['b/1']);
    expect(second.errors).toEqual([{ host: 'a', code: 'ENGINE_UNAVAILABLE', detail: 'down' }]);
  });

  it('answers an empty page when no host is selected', async () => {
    const { read } = hostsWith({});
    await expect(readFleetPage([], read, {}, options)).resolves.toEqual({ items: [], nextCursor: null, total: 0, errors: [] });
  });
});
