import { describe, expect, it } from 'vitest';
import type { EngineProgressMessage } from '../docker/engine-types.js';
import type { LayerProgress } from '../jobs/job-types.js';
import { completedProgress, foldLayer, progressLine, pullProgress } from './image-progress.js';

const L1 = 'a3ed95caeb02';
const L2 = 'b4c5d6e7f809';
const fold = (...messages: EngineProgressMessage[]) => messages.reduce<LayerProgress[]>((layers, m) => foldLayer(layers, m), []);

describe('foldLayer', () => {
  it.each<[string, EngineProgressMessage[], LayerProgress[]]>([
    ['the tag line is no layer', [{ status: 'Pulling from team/app', id: 'latest' }], []],
    ['Digest: and Status: are no layers', [{ status: 'Digest: sha256:abc' }, { status: 'Status: Downloaded newer image for app:1' }], []],
    ['Pulling fs layer adds the layer', [{ status: 'Pulling fs layer', id: L1 }], [{ id: L1, status: 'Pulling fs layer' }]],
    [
      'Waiting',
      [
        { status: 'Pulling fs layer', id: L1 },
        { status: 'Waiting', id: L1 },
      ],
      [{ id: L1, status: 'Waiting' }],
    ],
    [
      'Downloading with a total',
      [{ status: 'Downloading', id: L1, progressDetail: { current: 100, total: 400 }, progress: '[==>  ]' }],
      [{ id: L1, status: 'Downloading', currentBytes: 100, totalBytes: 400 }],
    ],
    [
      'Downloading without a total',
      [{ status: 'Downloading', id: L1, progressDetail: { current: 100 } }],
      [{ id: L1, status: 'Downloading', currentBytes: 100 }],
    ],
    [
      'Downloading with total -1',
      [{ status: 'Downloading', id: L1, progressDetail: { current: 7, total: -1 } }],
      [{ id: L1, status: 'Downloading', currentBytes: 7 }],
    ],
    [
      'Verifying Checksum keeps the bytes',
      [
        { status: 'Downloading', id: L1, progressDetail: { current: 300, total: 400 } },
        { status: 'Verifying Checksum', id: L1, progressDetail: {} },
      ],
      [{ id: L1, status: 'Verifying Checksum', currentBytes: 300, totalBytes: 400 }],
    ],
    [
      'Download complete: every byte',
      [
        { status: 'Downloading', id: L1, progressDetail: { current: 300, total: 400 } },
        { status: 'Download complete', id: L1 },
      ],
      [{ id: L1, status: 'Download complete', currentBytes: 400, totalBytes: 400 }],
    ],
    [
      'Extracting does not count download bytes again',
      [
        { status: 'Downloading', id: L1, progressDetail: { current: 400, total: 400 } },
        { status: 'Extracting', id: L1, progressDetail: { current: 32768, total: 1000000 } },
      ],
      [{ id: L1, status: 'Extracting', currentBytes: 400, totalBytes: 400 }],
    ],
    [
      'Pull complete',
      [
        { status: 'Downloading', id: L1, progressDetail: { current: 1, total: 400 } },
        { status: 'Pull complete', id: L1 },
      ],
      [{ id: L1, status: 'Pull complete', currentBytes: 400, totalBytes: 400 }],
    ],
    ['Already exists', [{ status: 'Already exists', id: L1 }], [{ id: L1, status: 'Already exists' }]],
    [
      'layers keep their first order',
      [
        { status: 'Pulling fs layer', id: L1 },
        { status: 'Pulling fs layer', id: L2 },
        { status: 'Waiting', id: L1 },
      ],
      [
        { id: L1, status: 'Waiting' },
        { id: L2, status: 'Pulling fs layer' },
      ],
    ],
  ])('%s', (_name, messages, layers) => {
    expect(fold(...messages)).toEqual(layers);
  });

  it('leaves the layers it was given untouched', () => {
    const before = fold({ status: 'Pulling fs layer', id: L1 });
    foldLayer(before, { status: 'Pull complete', id: L1 });
    expect(before).toEqual([{ id: L1, status: 'Pulling fs layer' }]);
  });
});

describe('pullProgress', () => {
  it.each<[string, LayerProgress[], { percent: number | null; currentBytes: number; totalBytes: number | null }]>([
    ['no layers yet', [], { percent: null, currentBytes: 0, totalBytes: null }],
    [
      'sizes unknown: by layers',
      [
        { id: L1, status: 'Waiting' },
        { id: L2, status: 'Pull complete' },
      ],
      { percent: 50, currentBytes: 0, totalBytes: null },
    ],
    [
      'every unfinished layer sized: by bytes',
      [
        { id: L1, status: 'Downloading', currentBytes: 100, totalBytes: 400 },
        { id: L2, status: 'Already exists' },
      ],
      { percent: 25, currentBytes: 100, totalBytes: 400 },
    ],
    [
      'one unsized layer: by layers, bytes of the sized',
      [
        { id: L1, status: 'Downloading', currentBytes: 200, totalBytes: 400 },
        { id: L2, status: 'Downloading', currentBytes: 50 },
      ],
      { percent: 25, currentBytes: 200, totalBytes: 400 },
    ],
    [
      'every byte but not extracted: 99 at most',
      [{ id: L1, status: 'Downloading', currentBytes: 400, totalBytes: 400 }],
      { percent: 99, currentBytes: 400, totalBytes: 400 },
    ],
    [
      'all done: 100',
      [
        { id: L1, status: 'Pull complete', currentBytes: 400, totalBytes: 400 },
        { id: L2, status: 'Already exists' },
      ],
      { percent: 100, currentBytes: 400, totalBytes: 400 },
    ],
  ])('%s', (_name, layers, expected) => {
    expect(pullProgress(layers)).toMatchObject(expected);
  });

  it('completedProgress is 100 % with every byte, also for an image that was up to date', () => {
    expect(completedProgress(pullProgress([]))).toEqual({ percent: 100, currentBytes: 0, totalBytes: null, layers: [] });
    expect(completedProgress(pullProgress([{ id: L1, status: 'Download complete', currentBytes: 400, totalBytes: 400 }]))).toMatchObject({
      percent: 100,
      currentBytes: 400,
    });
  });
});

describe('progressLine', () => {
  it.each<[EngineProgressMessage, string | undefined]>([
    [{ status: 'Pulling from team/app', id: 'latest' }, 'latest: Pulling from team/app'],
    [{ status: 'Downloading', id: L1, progressDetail: { current: 1, total: 2 } }, undefined],
    [{ status: 'Extracting', id: L1 }, undefined],
    [{ status: 'Pull complete', id: L1 }, `${L1}: Pull complete`],
    [{ status: 'Digest: sha256:abc' }, 'Digest: sha256:abc'],
    [{ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }, 'manifest unknown'],
  ])('%j → %s', (message, line) => {
    expect(progressLine(message)).toBe(line);
  });
});
