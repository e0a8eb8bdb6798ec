import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../jobs/job-types.js';
import { foldPushMessage, pushProgress, readPushProgress, type PushMessage } from './push-progress.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('push progress', () => {
  it.each<[PushMessage[], Partial<JobProgress>]>([
    [[], { percent: null, currentBytes: 0, totalBytes: 0 }],
    [[{ id: 'l1', status: 'Preparing' }], { percent: 0, totalBytes: null }],
    [[{ id: 'l1', status: 'Pushing', progressDetail: { current: 50, total: 200 } }], { percent: 25, currentBytes: 50, totalBytes: 200 }],
    [
      [
        { id: 'l1', status: 'Pushing', progressDetail: { current: 100, total: 100 } },
        { id: 'l2', status: 'Layer already exists' },
      ],
      { percent: 100, currentBytes: 100, totalBytes: 100 },
    ],
    [
      [
        { id: 'l1', status: 'Pushing', progressDetail: { current: 10, total: 100 } },
        { id: 'l1', status: 'Pushed', progressDetail: {} },
        { id: 'l2', status: 'Waiting' },
      ],
      { percent: 50, currentBytes: 100, totalBytes: null },
    ],
    [[{ id: 'l1', status: 'Mounted from team/base' }], { percent: 100 }],
  ])('%j → %j', (messages, expected) => {
    const layers = new Map();
    for (const message of messages) foldPushMessage(layers, message);
    expect(pushProgress([...layers.values()])).toMatchObject(expected);
  });

  it('reads the digest from the aux message and ends at 100 %', async () => {
    const messages: PushMessage[] = [
      { status: 'The push refers to repository [127.0.0.1:5002/x]' },
      { id: 'l1', status: 'Preparing' },
      { id: 'l1', status: 'Pushing', progressDetail: { current: 512, total: 1024 } },
      { id: 'l1', status: 'Pushed' },
      { status: `1.0: digest: ${DIGEST} size: 527` },
      { progressDetail: {}, aux: { Tag: '1.0', Digest: DIGEST, Size: 527 } },
    ];
    const progress: JobProgress[] = [];
    const output: string[] = [];
    const stream = Readable.from([Buffer.from(messages.map((m) => JSON.stringify(m)).join('\n'))]);
    await expect(readPushProgress('local', stream, { output: (l) => output.push(l), progress: (p) => progress.push(p) })).resolves.toEqual({
      digest: DIGEST,
    });
    expect(progress.at(-1)?.percent).toBe(100);
    expect(progress.map((p) => p.layers[0]?.status)).toContain('Pushing');
    expect(output[0]).toContain('The push refers to');
  });

  it("fails on an errorDetail with the engine's message, even after layers were pushed", async () => {
    const messages = [{ id: 'l1', status: 'Pushed' }, { errorDetail: { message: 'denied: requested access to the resource is denied' } }];
    const stream = Readable.from([Buffer.from(messages.map((m) => JSON.stringify(m)).join('\n'))]);
    await expect(readPushProgress('local', stream, { output: () => undefined, progress: () => undefined })).rejects.toMatchObject({
      detail: expect.stringContaining('denied'),
    });
  });
});
