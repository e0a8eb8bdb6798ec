import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { ProblemException } from '../common/problem.js';

/** The tar types `docker load` bodies come as. */
const TAR_TYPES = new Set(['application/x-tar', 'application/tar']);

/** An abort signal for the engine request behind `response`: aborted when the client goes away before the end. */
export function abortWhenGone(response: Response): AbortSignal {
  const abort = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  return abort.signal;
}

/** A file name for the download: the references, reduced to characters safe in a header. */
export function tarFileName(refs: string[]): string {
  const base = refs
    .join('_')
    .replace(/[^a-zA-Z0-9_.-]+/g, '_')
    .slice(0, 100);
  return `${base || 'images'}.tar`;
}

/**
 * Streams `docker save` to the client as a download: piped with backpressure (the engine is read
 * only as fast as the client takes it), never buffered; the engine request ends when the client goes.
 * An error before the first byte is a problem; after it, the only honest signal is a cut transfer.
 */
export async function sendTar(response: Response, refs: string[], open: (signal: AbortSignal) => Promise<Readable>): Promise<void> {
  const tar = await open(abortWhenGone(response));
  response.status(200);
  response.setHeader('Content-Type', 'application/x-tar');
  response.setHeader('Content-Disposition', `attachment; filename="${tarFileName(refs)}"`);
  await pipeTar(tar, response);
}

/**
 * Pipes with backpressure; each chunk goes back to the tar once the client's socket took it, when the
 * tar lends its chunks (raw-get.ts LentChunks: the engine's bulk reads are then read into again, not
 * left to the GC). A tar that fails or is cut, or a client that goes, ends both sides.
 */
function pipeTar(tar: Readable, response: Response): Promise<void> {
  const release = (tar as Partial<{ releaseChunk(chunk: Buffer): void }>).releaseChunk?.bind(tar);
  return new Promise((resolve) => {
    const cut = () => {
      tar.destroy();
      response.destroy();
      resolve();
    };
    tar.on('data', (chunk: Buffer) => {
      if (!response.write(chunk, release && (() => release(chunk)))) tar.pause();
    });
    response.on('drain', () => tar.resume());
    tar.once('end', () => response.end(() => resolve()));
    // Every error is a cut transfer, never an unhandled 'error' event.
    tar.on('error', cut);
    response.on('error', cut);
    tar.once('close', () => {
      if (!tar.readableEnded) cut();
    });
    response.once('close', () => {
      if (!response.writableFinished) cut();
    });
  });
}

/** A `docker load` body must be a tar: anything else is 415 before the engine sees a byte. */
export function requireTarBody(request: Request): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!TAR_TYPES.has(type))
    throw new ProblemException(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `The body must be a tar (application/x-tar), not '${type.slice(0, 100) || 'none'}'.`,
    );
}

/**
 * Resolves once the request's body has been read to its end (or the client went away). An import
 * answers only then: a response sent earlier would make node discard the rest of an unread body.
 */
export function bodyRead(request: Request): Promise<void> {
  if (request.readableEnded || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    request.once('end', () => resolve());
    request.once('close', () => resolve());
  });
}

/** The body's announced size, for the import's progress; null when chunked. */
export function contentLength(request: Request): number | null {
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 ? length : null;
}
