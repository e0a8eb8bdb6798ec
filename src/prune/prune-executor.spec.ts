import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { fakeEngine } from '../docker/engine-testing.js';
import { executePrune } from './prune-executor.js';
import type { PruneItem } from './prune-planner.js';

const item = (kind: PruneItem['kind'], id: string, sizeBytes = 10): PruneItem => ({ kind, id, name: id, sizeBytes, reason: 'r' });
const stopped = { Id: 'c1', State: { Running: false, Paused: false, Restarting: false }, Config: { Labels: {} } };
const conflict = (detail: string) => new ProblemException(409, 'CONFLICT', detail);

async function run(items: PruneItem[], engine: Record<string, unknown>, danglingImagesOnly = true) {
  const removed: string[] = [];
  const fake = fakeEngine({
    listContainers: async () => [],
    inspectContainer: async () => stopped,
    removeContainer: async (id: string) => void removed.push(id),
    inspectNetwork: async (id: string) => ({ Id: id, Name: id, Containers: {}, Labels: {} }),
    removeNetwork: async (id: string) => void removed.push(id),
    inspectVolume: async (name: string) => ({ Name: name, Labels: {} }),
    removeVolume: async (name: string) => void removed.push(name),
    inspectImage: async (id: string) => ({ Id: id, RepoTags: [], Config: { Labels: {} } }),
    removeImage: async (ref: string) => {
      removed.push(ref);
      return [];
    },
    pruneBuildCache: async (id: string) => ({ deleted: [id], spaceReclaimed: 99 }),
    ...engine,
  } as never);
  const results = await executePrune(fake, items, { danglingImagesOnly, signal: new AbortController().signal, onItem: () => undefined });
  return { results: results.map((r) => [r.kind, r.id, r.status, r.reclaimedBytes, r.detail]), removed };
}

describe('executePrune', () => {
  it('removes in dependency order and counts the planned bytes (the engine’s for build cache)', async () => {
    const { results, removed } = await run(
      [item('image', 'i'), item('buildCache', 'b'), item('volume', 'v'), item('network', 'n'), item('container', 'c1')],
      {},
    );
    expect(removed).toEqual(['c1', 'n', 'v', 'i']);
    expect(results.map((r) => [r[0], r[2], r[3]])).toEqual([
      ['container', 'removed', 10],
      ['network', 'removed', 10],
      ['volume', 'removed', 10],
      ['image', 'removed', 10],
      ['buildCache', 'removed', 99],
    ]);
  });

  it.each<[string, PruneItem, Record<string, unknown>, string]>([
    [
      'a container started since',
      item('container', 'c1'),
      { inspectContainer: async () => ({ ...stopped, State: { Running: true } }) },
      'started since the plan was made',
    ],
    [
      'a container protected since',
      item('container', 'c1'),
      { inspectContainer: async () => ({ ...stopped, Config: { Labels: { 'berth.protect': 'true' } } }) },
      'protected (berth.protect=true)',
    ],
    [
      'a container gone',
      item('container', 'c1'),
      {
        inspectContainer: async () => {
          throw new ProblemException(404, 'CONTAINER_NOT_FOUND', 'x');
        },
      },
      'gone already',
    ],
    [
      'a container the engine refuses',
      item('container', 'c1'),
      {
        removeContainer: async () => {
          throw conflict('cannot remove a running container');
        },
      },
      'cannot remove a running container',
    ],
    [
      'a network connected since',
      item('network', 'n'),
      { inspectNetwork: async () => ({ Id: 'n', Name: 'n', Containers: { x: { Name: 'web' } } }) },
      'connected since the plan was made: web',
    ],
    [
      'a network a stopped container names since',
      item('network', 'n'),
      { listContainers: async () => [{ Names: ['/db'], NetworkSettings: { Networks: { n: {} } } }] },
      'used by container db',
    ],
    [
      'a volume used since',
      item('volume', 'v'),
      { listContainers: async () => [{ Names: ['/db'], Mounts: [{ Type: 'volume', Name: 'v' }] }] },
      'used by container db',
    ],
    ['a volume gone', item('volume', 'v'), { inspectVolume: async () => undefined }, 'gone already'],
    [
      'a volume re-created under the planned name',
      { ...item('volume', 'v'), createdAt: '2026-01-01T00:00:00Z' },
      { inspectVolume: async () => ({ Name: 'v', CreatedAt: '2026-01-02T00:00:00Z', Labels: {} }) },
      're-created under this name since the plan was made: another volume',
    ],
    [
      'an image used since',
      item('image', 'i'),
      { listContainers: async () => [{ Names: ['/app'], ImageID: 'i' }] },
      'used by container app',
    ],
    [
      'a dangling image tagged since',
      item('image', 'i'),
      { inspectImage: async () => ({ Id: 'i', RepoTags: ['app:2'], Config: {} }) },
      'tagged since the plan was made: app:2',
    ],
    [
      'an image the engine finds in use',
      item('image', 'i'),
      {
        removeImage: async () => {
          throw conflict('image is being used by stopped container');
        },
      },
      'image is being used by stopped container',
    ],
    [
      'build cache in use since',
      item('buildCache', 'b'),
      { pruneBuildCache: async () => ({ deleted: [], spaceReclaimed: 0 }) },
      'in use or gone since the plan was made',
    ],
  ])('skips %s, with the reason', async (_name, planned, engine, detail) => {
    const { results, removed } = await run([planned], engine);
    expect(results).toEqual([[planned.kind, planned.id, 'skipped', 0, detail]]);
    expect(removed).toEqual([]);
  });

  it('fails an item on an engine error and goes on with the next', async () => {
    const { results } = await run([item('container', 'c1'), item('container', 'c2')], {
      inspectContainer: async (id: string) => {
        if (id === 'c1') throw new ProblemException(502, 'ENGINE_ERROR', 'boom');
        return { ...stopped, Id: id };
      },
    });
    expect(results).toEqual([
      ['container', 'c1', 'failed', 0, 'boom'],
      ['container', 'c2', 'removed', 10, undefined],
    ]);
  });

  it('an image of several repositories goes tag by tag', async () => {
    const { removed } = await run(
      [item('image', 'i')],
      { inspectImage: async () => ({ Id: 'i', RepoTags: ['a:1', 'b:1'], Config: {} }) },
      false,
    );
    expect(removed).toEqual(['a:1', 'b:1']);
  });
});
