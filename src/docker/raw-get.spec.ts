import { createServer, Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../config/tls-testing.js';
import { EngineHttpError, translateEngineError } from './engine-errors.js';
import { BULK_READS, HISTORY_READS, type LentChunks, rawGet } from './raw-get.js';

let server: Server | undefined;
let tlsServer: Server | undefined;
afterEach(() => tlsServer?.close());
afterEach(() => server?.close());

/** A fake engine on a unix socket that answers every request with `answer` (one piece per loop turn when `paced`) and records the request. */
async function engineAnswering(answer: string[], paced = false): Promise<{ socketPath: string; requests: string[] }> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'berth-raw-')), 'engine.sock');
  const requests: string[] = [];
  server = createServer((socket) => {
    // A reader that goes away mid-answer resets the connection: that is no failure of the fake.
    socket.on('error', () => undefined);
    socket.once('data', (data) => {
      requests.push(data.toString());
      if (!paced) {
        for (const piece of answer) socket.write(piece);
        socket.end();
        return;
      }
      const pieces = [...answer];
      const next = () => (pieces.length ? socket.write(pieces.shift()!, () => setImmediate(next)) : socket.end());
      next();
    });
  });
  await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  return { socketPath, requests };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe('rawGet', () => {
  it('sends an HTTP/1.0 GET and hands back the body, also when it came with the head', async () => {
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\n\r\nfirst ', 'second']);
    const body = await rawGet({ socketPath: engine.socketPath }, '/containers/abc/logs?follow=true', new AbortController().signal);
    expect(await readAll(body)).toBe('first second');
    expect(engine.requests[0]).toMatch(/^GET \/containers\/abc\/logs\?follow=true HTTP\/1\.0\r\n/);
  });

  it('hands back every byte in order when the engine writes in many small pieces', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...lines]);
    const body = await rawGet({ socketPath: engine.socketPath }, '/containers/abc/logs?follow=true', new AbortController().signal);
    expect(await readAll(body)).toBe(lines.join(''));
  });

  it('reads a bulk body without resting between reads (no timer runs while it streams)', async () => {
    const pieces = Array.from({ length: 64 }, (_, i) => Buffer.alloc(32 * 1024, i % 251).toString('latin1'));
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...pieces]);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const body = await rawGet({ socketPath: engine.socketPath }, '/images/get?names=a', new AbortController().signal, BULK_READS);
      let bytes = 0;
      for await (const chunk of body) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(64 * 32 * 1024);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands a bulk body on without copying its reads: several reads share one slab, every byte in order', async () => {
    const pieces = Array.from({ length: 96 }, (_, i) => Buffer.alloc(32 * 1024 + i, i % 251).toString('latin1'));
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...pieces]);
    const body = await rawGet({ socketPath: engine.socketPath }, '/images/get?names=a', new AbortController().signal, BULK_READS);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(pieces.join(''));
    expect(new Set(chunks.map((chunk) => chunk.buffer)).size).toBeLessThan(chunks.length);
  });

  it('gathers small bulk reads that follow each other into few chunks, every byte in order (no timer needed)', async () => {
    const pieces = Array.from({ length: 200 }, (_, i) => Buffer.alloc(4 * 1024, i % 128).toString('latin1'));
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...pieces], true);
    // Timers faked: chunks go on at gather.bytes, at a slab's end and at the end of the body only.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const body = await rawGet({ socketPath: engine.socketPath }, '/images/get?names=a', new AbortController().signal, BULK_READS);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString('latin1')).toBe(pieces.join(''));
      // 800 KB: at most 4 gathered chunks, one more per slab change, and the bytes that came with the head.
      expect(chunks.length).toBeLessThanOrEqual(7);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads into a slab again once its consumer released all of it: 12 MB through a few slabs, every byte in order', async () => {
    const pieces = Array.from({ length: 192 }, (_, i) => Buffer.alloc(64 * 1024, i % 128).toString('latin1'));
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...pieces]);
    const body = await rawGet({ socketPath: engine.socketPath }, '/images/get?names=a', new AbortController().signal, BULK_READS);
    const copies: Buffer[] = [];
    const slabs = new Set<ArrayBufferLike>();
    for await (const chunk of body as AsyncIterable<Buffer>) {
      copies.push(Buffer.from(chunk));
      slabs.add(chunk.buffer);
      (body as unknown as LentChunks).releaseChunk(chunk);
    }
    expect(Buffer.concat(copies).toString('latin1')).toBe(pieces.join(''));
    // Without releases every MB is a new slab (12 or more).
    expect(slabs.size).toBeLessThanOrEqual(6);
  });

  it('stops reading a bulk body while its reader does not take it: read-ahead bounded by the high water mark', async () => {
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...Array.from({ length: 40 }, () => 'x'.repeat(256 * 1024))]);
    const body = await rawGet({ socketPath: engine.socketPath }, '/images/get?names=a', new AbortController().signal, BULK_READS);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The last chunk pushed may be a gathered one: up to gather.bytes plus the read that filled it.
    expect(body.readableLength).toBeLessThanOrEqual(BULK_READS.highWaterMark! + BULK_READS.gather!.bytes + BULK_READS.readBufferBytes);
    body.destroy();
  });

  /** A log read to its end (HISTORY_READS) from an engine writing `pieces`, setTimeout faked: a rest never ends by itself. */
  async function readHistoryWithFakeRests(
    pieces: string[],
    read: (body: Awaited<ReturnType<typeof rawGet>>) => Promise<void>,
  ): Promise<void> {
    const engine = await engineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...pieces], true);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const signal = new AbortController().signal;
      await read(await rawGet({ socketPath: engine.socketPath }, '/containers/abc/logs?follow=false', signal, HISTORY_READS));
    } finally {
      vi.useRealTimers();
    }
  }

  it('reads a log to its end without resting while its reads come large (no timer runs while it streams)', async () => {
    const pieces = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(2043)}\n`);
    // One rest would never end, and neither would the read.
    await readHistoryWithFakeRests(pieces, async (body) => expect(await readAll(body)).toBe(pieces.join('')));
  });

  it('still rests after a small read of a log read to its end: a slow engine is not read line by line', async () => {
    const pieces = Array.from({ length: 20 }, (_, i) => `line ${i}\n`);
    await readHistoryWithFakeRests(pieces, async (body) => {
      const chunks: string[] = [];
      let ended = false;
      body.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
      body.once('end', () => (ended = true));
      const turns = async (count: number) => {
        for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
      };
      while (chunks.length === 0) await turns(1);
      // The engine writes on meanwhile; nothing more is read until the rest is over.
      await turns(50);
      expect(chunks).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(1);
      while (!ended) {
        await vi.advanceTimersByTimeAsync(1);
        await turns(5);
      }
      expect(chunks.join('')).toBe(pieces.join(''));
    });
  });

  it('rejects with the engine status and message, as translateEngineError reads them', async () => {
    const engine = await engineAnswering([
      'HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"message":"No such container: abc"}\n',
    ]);
    const error = await rawGet({ socketPath: engine.socketPath }, '/containers/abc/logs', new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineHttpError);
    const problem = translateEngineError('local', error);
    expect([problem.getStatus(), problem.code, problem.detail]).toEqual([404, 'CONTAINER_NOT_FOUND', 'No such container: abc']);
  });

  it('rejects as unreachable when nothing listens', async () => {
    const error = await rawGet({ socketPath: join(tmpdir(), 'berth-no-such.sock') }, '/x', new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(translateEngineError('local', error).code).toBe('ENGINE_UNAVAILABLE');
  });
});

/** A fake engine behind TLS on 127.0.0.1 (its certificate names no address), answering `answer`. */
async function tlsEngineAnswering(answer: string[], options: TlsOptions = {}): Promise<number> {
  tlsServer = createTlsServer({ cert: TEST_CERT, key: TEST_KEY, ...options }, (socket) => {
    socket.once('data', () => {
      for (const piece of answer) socket.write(piece);
      socket.end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tlsServer!.listen(0, '127.0.0.1', resolve));
  return (tlsServer!.address() as AddressInfo).port;
}

describe('rawGet over TLS', () => {
  const signal = () => new AbortController().signal;

  it('reads a body in many pieces over TLS, without verification (DOCKER_TLS alone)', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    const port = await tlsEngineAnswering(['HTTP/1.0 200 OK\r\n\r\n', ...lines]);
    const body = await rawGet({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } }, '/containers/abc/logs', signal());
    expect(await readAll(body)).toBe(lines.join(''));
  });

  it.each([
    ['a certificate for another host name', { ca: TEST_CERT }, /TLS: .*\(wrong host name\) \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    ['a certificate no CA of ours signed', {}, /TLS: the engine's certificate is self-signed .*\(DEPTH_ZERO_SELF_SIGNED_CERT\)/],
  ])('rejects %s as 503 naming TLS', async (_case, tls, reason) => {
    const port = await tlsEngineAnswering(['HTTP/1.0 200 OK\r\n\r\n']);
    const error = await rawGet({ host: '127.0.0.1', port, tls: { ...tls, rejectUnauthorized: true } }, '/x', signal()).catch(
      (e: unknown) => e,
    );
    const problem = translateEngineError('remote', error);
    expect([problem.getStatus(), problem.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(problem.detail).toMatch(reason);
  });

  it('rejects an engine that wants a client certificate we do not have as 503 naming TLS', async () => {
    const port = await tlsEngineAnswering(['HTTP/1.0 200 OK\r\n\r\n'], { requestCert: true, rejectUnauthorized: true, ca: TEST_CERT });
    const error = await rawGet({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } }, '/x', signal()).catch((e: unknown) => e);
    const problem = translateEngineError('remote', error);
    expect([problem.getStatus(), problem.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(problem.detail).toMatch(/TLS: the engine requires a client certificate|TLS: the engine refused our client certificate/);
  });
});
