import type { Response } from 'express';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { sendTar } from './image-transfer.js';

let server: Server | undefined;
afterEach(() => server?.close());

/** A tar that lends its chunks (like raw-get's bulk body) and records what came back. */
class LendingTar extends Readable {
  readonly released: Buffer[] = [];
  constructor(private readonly chunks: Buffer[]) {
    super();
  }
  override _read(): void {
    this.push(this.chunks.shift() ?? null);
  }
  releaseChunk(chunk: Buffer): void {
    this.released.push(chunk);
  }
}

/** Serves `tar` through sendTar and answers the URL to fetch it from. */
async function serving(tar: Readable): Promise<string> {
  server = createServer((_request, response) => {
    const express = Object.assign(response, { status: (code: number) => ((response.statusCode = code), express) });
    void sendTar(express as unknown as Response, ['busybox:latest'], () => Promise.resolve(tar));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('sendTar', () => {
  it('sends every byte in order and hands every chunk back to a lending tar once the socket took it', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const tar = new LendingTar([...chunks]);
    const url = await serving(tar);
    const received = await new Promise<Buffer>((resolve, reject) =>
      get(url, (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject),
    );
    expect(received.equals(Buffer.concat(chunks))).toBe(true);
    // The very chunks, each once (compared by identity: a deep compare of 3 MB is slow).
    expect(tar.released.length).toBe(chunks.length);
    expect(tar.released.every((chunk, i) => chunk === chunks[i])).toBe(true);
  });

  it('destroys the tar when the client goes away mid-download', async () => {
    const tar = new LendingTar(Array.from({ length: 2000 }, () => Buffer.alloc(64 * 1024)));
    const url = await serving(tar);
    await new Promise<void>((resolve) => {
      const request = get(url, (response) => response.once('data', () => request.destroy()));
      request.on('error', () => undefined);
      request.on('close', resolve);
    });
    await expect.poll(() => tar.destroyed).toBe(true);
  });
});
