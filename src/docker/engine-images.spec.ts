import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../common/metrics.js';
import { EngineCalls } from './engine-calls.js';
import { EngineHttpError, translateEngineError } from './engine-errors.js';
import { exportImages, readLoaded, readProgress } from './engine-images.js';

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

describe('readLoaded', () => {
  it.each([
    [[{ stream: 'Loaded image: berth-test/e2e-1:x\n' }], ['berth-test/e2e-1:x']],
    [[{ stream: 'Loaded image ID: sha256:abc\n' }], ['sha256:abc']],
    [
      [{ stream: 'Loaded image: a:1\n' }, { stream: 'Loaded image: localhost:5001/b:2\n' }],
      ['a:1', 'localhost:5001/b:2'],
    ],
    [[{ stream: 'unrelated\n' }], []],
  ])('reads the loaded references of %j', async (lines, loaded) => {
    await expect(readLoaded(progress(...lines))).resolves.toEqual(loaded);
  });

  it('throws the error line of a failed load', async () => {
    const failure = await readLoaded(progress({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' })).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ statusCode: 400, json: { message: 'unexpected EOF' } });
  });
});

describe('exportImages', () => {
  it('waits past the call timeout for the first byte (the engine writes every layer to disk first), then streams', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'berth-save-')), 'engine.sock');
    const requests: string[] = [];
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data) => {
        requests.push(data.toString());
        setTimeout(() => socket.end('HTTP/1.0 200 OK\r\nContent-Type: application/x-tar\r\n\r\ntar bytes'), 300);
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const calls = new EngineCalls({ id: 'local', name: 'local', url: `unix://${socketPath}` }, new Metrics(), 50);
      const tar = await exportImages(calls, ['app:1', 'localhost:5001/team/b:2'], new AbortController().signal);
      let body = '';
      for await (const chunk of tar) body += String(chunk);
      expect(body).toBe('tar bytes');
      expect(requests[0]).toMatch(/^GET \/images\/get\?names=app%3A1&names=localhost%3A5001%2Fteam%2Fb%3A2 HTTP\/1\.0\r\n/);
    } finally {
      server.close();
    }
  });
});
