import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EngineHttpError, translateEngineError } from './engine-errors.js';
import { readProgress } from './engine-images.js';

const progress = (...lines: object[]) => Readable.from([Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''))]);

describe('readProgress', () => {
  it('reads a pull that ends well to its end', async () => {
    await expect(readProgress(progress({ status: 'Pulling fs layer' }, { status: 'Download complete' }))).resolves.toBeUndefined();
  });

  it('throws the first failure in the stream as an EngineHttpError that translates to its problem', async () => {
    const failure = await readProgress(
      progress(
        { status: 'Pulling' },
        { errorDetail: { message: 'manifest unknown: manifest unknown' }, error: 'manifest unknown' },
        { error: 'later' },
      ),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineHttpError);
    expect(failure).toMatchObject({ statusCode: 500, json: { message: 'manifest unknown: manifest unknown' } });
    expect(translateEngineError('local', failure).code).toBe('IMAGE_NOT_FOUND');
  });
});

describe('readProgress hands every line on', () => {
  it('in order, the failing one included', async () => {
    const seen: object[] = [];
    const lines = [
      { status: 'Pulling fs layer', id: 'a3ed95caeb02' },
      { errorDetail: { message: 'boom' }, error: 'boom' },
    ];
    await expect(readProgress(progress(...lines), (message) => seen.push(message))).rejects.toBeInstanceOf(EngineHttpError);
    expect(seen).toEqual(lines);
  });
});
