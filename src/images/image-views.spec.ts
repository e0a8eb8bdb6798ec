import { describe, expect, it } from 'vitest';
import type { EngineImageHistoryItem, EngineImageSummary } from '../docker/engine-types.js';
import { containerCounts, toHistoryItem, toImageSummary, toRemoved } from './image-views.js';

const summary = (over: Partial<EngineImageSummary>): EngineImageSummary =>
  ({
    Id: 'sha256:a',
    ParentId: '',
    RepoTags: ['app:1'],
    RepoDigests: [],
    Created: 1_700_000_000,
    Size: 42,
    VirtualSize: 42,
    SharedSize: -1,
    Labels: { a: 'b' },
    Containers: -1,
    ...over,
  }) as EngineImageSummary;

describe('image views', () => {
  it('counts containers per image id, whatever their state', () => {
    const counts = containerCounts([{ ImageID: 'sha256:a' }, { ImageID: 'sha256:b' }, { ImageID: 'sha256:a' }]);
    expect(Object.fromEntries(counts)).toEqual({ 'sha256:a': 2, 'sha256:b': 1 });
  });

  it.each([
    ['a used image: Berth counts, the engine says -1', summary({}), new Map([['sha256:a', 3]]), { containers: 3, repoTags: ['app:1'] }],
    ['an unused one', summary({}), new Map(), { containers: 0 }],
    [
      'a dangling one: the engine placeholders are no names',
      summary({ RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Labels: null as never }),
      new Map(),
      { repoTags: [], repoDigests: [], labels: {} },
    ],
    [
      'no tags at all (null)',
      summary({ RepoTags: null as never, RepoDigests: null as never }),
      new Map(),
      { repoTags: [], repoDigests: [] },
    ],
  ])('summarises %s', (_name, image, counts, expected) => {
    expect(toImageSummary(image, counts)).toMatchObject({
      id: 'sha256:a',
      sizeBytes: 42,
      createdAt: '2023-11-14T22:13:20.000Z',
      ...expected,
    });
  });

  it.each([
    [
      { Id: 'sha256:x', Created: 1_700_000_000, CreatedBy: '/bin/sh -c #(nop)  LABEL a=b', Tags: ['app:1'], Size: 0, Comment: '' },
      { id: 'sha256:x', tags: ['app:1'], createdBy: '/bin/sh -c #(nop)  LABEL a=b', sizeBytes: 0, createdAt: '2023-11-14T22:13:20.000Z' },
    ],
    [
      { Id: '<missing>', Created: 0, CreatedBy: 'ADD file', Tags: null, Size: 1000, Comment: 'imported' },
      { id: null, tags: [], sizeBytes: 1000, comment: 'imported' },
    ],
  ])('a history layer %#', (layer, expected) => {
    expect(toHistoryItem(layer as EngineImageHistoryItem)).toMatchObject(expected);
  });

  it('reads what rmi untagged and deleted from its lines', () => {
    expect(toRemoved([{ Untagged: 'app:1' }, { Untagged: 'app@sha256:d' }, { Deleted: 'sha256:a' }, { Deleted: 'sha256:l' }])).toEqual({
      untagged: ['app:1', 'app@sha256:d'],
      deleted: ['sha256:a', 'sha256:l'],
    });
  });
});
