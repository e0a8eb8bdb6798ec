import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

const runId = newRunId();
const labels = testLabels(runId);
const host = '/api/v1/hosts/local';

interface Page {
  items: Array<{ id?: string; name: string }>;
  nextCursor: string | null;
  total: number;
}

describe('lists page by cursor: {items, nextCursor, total}', () => {
  let berth: BerthProcess;
  const get = (path: string) => api<Page>(berth.url, path, { token: berth.token });
  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await api(berth.url, path, { method: 'POST', token: berth.token, body });
    expect(response.status, response.text).toBe(201);
    return response.body as { id?: string; name: string };
  };

  /** Follows nextCursor from the first page; `between` runs after the first page (things change meanwhile). */
  async function walk(path: string, limit: number, between?: () => Promise<void>): Promise<{ pages: Page[]; ids: string[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`${path}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      pages.push(page.body);
      cursor = page.body.nextCursor;
      if (pages.length === 1) await between?.();
    } while (cursor !== null && pages.length < 50);
    return { pages, ids: pages.flatMap((page) => page.items.map((item) => item.id ?? item.name)) };
  }

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('pages containers two at a time: each exactly once, newest first, the right total on every page', async () => {
    const pagingLabel = { ...labels, 'berth.test.paging': 'containers' };
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1)
      made.push((await post(`${host}/containers`, { image: TEST_IMAGE, labels: pagingLabel, cmd: ['true'] })).id!);
    const path = `${host}/containers?all=true&label=berth.test.run=${runId}&label=berth.test.paging=containers`;

    const { pages, ids } = await walk(path, 2);
    expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(pages.every((page) => page.total === 5)).toBe(true);
    expect([...ids].sort()).toEqual([...made].sort());
    expect(new Set(ids).size).toBe(5);
    // Newest first by the list's own creation time (the engine lists whole seconds), then by id.
    const keys = pages.flatMap((page) => page.items.map((c) => `${(c as unknown as { createdAt: string }).createdAt} ${c.id}`));
    expect(keys).toEqual([...keys].sort().reverse());
    // The default limit holds them all in one page.
    expect((await get(path)).body).toMatchObject({ nextCursor: null, total: 5 });
  });

  it('neither repeats nor skips a container when one is created between two pages', async () => {
    const pagingLabel = { ...labels, 'berth.test.paging': 'inserts' };
    const before: string[] = [];
    for (let i = 0; i < 4; i += 1)
      before.push((await post(`${host}/containers`, { image: TEST_IMAGE, labels: pagingLabel, cmd: ['true'] })).id!);
    const path = `${host}/containers?all=true&label=berth.test.run=${runId}&label=berth.test.paging=inserts`;
    const { pages, ids } = await walk(path, 2, async () => {
      await post(`${host}/containers`, { image: TEST_IMAGE, labels: pagingLabel, cmd: ['true'] });
    });
    // An offset would repeat the first page's last item; the cursor goes on after it. The new one comes first in the
    // order, unless it shares the cursor's second (the engine lists whole seconds) and lands after it: never twice.
    expect(new Set(ids).size).toBe(ids.length);
    expect(before.every((id) => ids.includes(id))).toBe(true);
    expect(ids.length - before.length).toBeLessThanOrEqual(1);
    expect(pages[pages.length - 1].total).toBe(5);
  });

  it('pages volumes and networks by name', async () => {
    const volumes = [uniqueName('vol-a'), uniqueName('vol-b'), uniqueName('vol-c')];
    for (const name of volumes) await post(`${host}/volumes`, { name, labels });
    const networks = [uniqueName('net-a'), uniqueName('net-b')];
    for (const name of networks) await post(`${host}/networks`, { name, labels });

    const byVolume = await walk(`${host}/volumes?label=berth.test.run=${runId}`, 2);
    expect(byVolume.ids).toEqual([...volumes].sort());
    expect(byVolume.pages.map((page) => page.total)).toEqual([3, 3]);
    const byNetwork = await walk(`${host}/networks?label=berth.test.run=${runId}`, 1);
    expect(byNetwork.pages.flatMap((page) => page.items.map((n) => n.name))).toEqual([...networks].sort());
    expect(byNetwork.pages.map((page) => page.total)).toEqual([2, 2]);
  });

  it('pages images, the test image among them', async () => {
    const { pages, ids } = await walk(`${host}/images?reference=${encodeURIComponent('berth-test/*')}`, 1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.every((page) => page.total === ids.length)).toBe(true);
    expect(pages[0].items.length).toBe(1);
  });

  const lists = ['/containers?all=true', '/images?all=false', '/volumes?dangling=false', '/networks?type=custom'];
  const foreignCursor = Buffer.from(JSON.stringify(['a', 'b', 'c'])).toString('base64url');

  it.each(lists)('%s: a cursor it did not give, and a limit out of 1-1000, are 400 VALIDATION_FAILED', async (list) => {
    for (const query of ['cursor=bm9wZQ', `cursor=${foreignCursor}`, 'cursor=%21%21', 'limit=0', 'limit=1001', 'limit=ten']) {
      const response = await get(`${host}${list}&${query}`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect((response.body as unknown as { errors: Array<{ field: string }> }).errors[0].field).toBe(query.split('=')[0]);
    }
  });

  it('jobs and the audit log answer the same page shape and refuse the same bad cursor', async () => {
    for (const path of ['/api/v1/jobs?limit=1', '/api/v1/audit?limit=1']) {
      const page = await get(path);
      expect(page.status, page.text).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual(['items', 'nextCursor', 'total']);
      expect(typeof page.body.total).toBe('number');
      expectProblem(await get(`${path}&cursor=${foreignCursor}`), 400, 'VALIDATION_FAILED');
    }
  });
});
