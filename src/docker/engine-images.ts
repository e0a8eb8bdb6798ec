import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import { EngineHttpError } from './engine-errors.js';
import { JsonLines } from './json-lines.js';
import { BULK_READS, rawGet } from './raw-get.js';
import type { ImageListQuery } from './engine.js';
import type {
  EngineImageDeleteItem,
  EngineImageHistoryItem,
  EngineImageInspect,
  EngineImageSummary,
  EngineProgressMessage,
  PullOptions,
  RegistryAuth,
} from './engine-types.js';
import { registryHeader } from './registry-auth.js';

/**
 * How long `docker save` may take to answer: the engine writes every layer to a temporary directory
 * before the first byte (seconds per GB), so the call timeout would cut any large export. The client
 * going away still ends it at once.
 */
const SAVE_OPEN_TIMEOUT_MS = 10 * 60_000;
/** How long a pull may take before it is given up. Layers can be large; a list cannot. */
const PULL_TIMEOUT_MS = 10 * 60_000;

/** `docker image inspect`: 404 IMAGE_NOT_FOUND when the host lacks it. */
export function inspectImage(calls: EngineCalls, ref: string): Promise<EngineImageInspect> {
  return calls.call('image.inspect', (d) => d.getImage(ref).inspect());
}

/** Whether the image is present on this host (`docker image inspect`). */
export async function imageExists(calls: EngineCalls, ref: string): Promise<boolean> {
  try {
    await inspectImage(calls, ref);
    return true;
  } catch (error) {
    if (error instanceof ProblemException && error.code === 'IMAGE_NOT_FOUND') return false;
    throw error;
  }
}

/**
 * Pulls an image to the end. The engine answers 200 at once and reports failures inside the
 * progress stream, so the stream is read to its last line and an `error` there is thrown.
 */
export async function pullImage(calls: EngineCalls, ref: string, auth?: RegistryAuth, options: PullOptions = {}): Promise<void> {
  const stream = await calls.call('image.pull', () =>
    calls.dial<Readable>({
      path: '/images/create?',
      method: 'POST',
      isStream: true,
      options: { fromImage: ref, ...(options.platform && { platform: options.platform }) },
      ...(options.signal && { abortSignal: options.signal }),
      ...(auth && { authconfig: { base64: registryHeader(auth) } }),
      statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
    }),
  );
  await calls.call('image.pull', () => readProgress(stream, options.onMessage), PULL_TIMEOUT_MS).finally(() => stream.destroy());
}

/** Reads a JSON-lines progress stream to its end, each line handed to `onMessage`; rejects with the engine's message when a line is an error. */
export async function readProgress(stream: Readable, onMessage?: (message: EngineProgressMessage) => void): Promise<void> {
  let failure: string | undefined;
  await pipeline(stream, new JsonLines(), async (events: AsyncIterable<EngineProgressMessage>) => {
    for await (const event of events) {
      failure ??= event.errorDetail?.message ?? event.error;
      onMessage?.(event);
    }
  });
  // The stream carries the failure with a 200 status; give it the status the engine would have used.
  if (failure) throw new EngineHttpError(500, { message: failure }, failure);
}

/** How long a `docker load` may take, upload included: an image can be gigabytes. */
const LOAD_TIMEOUT_MS = 30 * 60_000;

/** `docker images`: `filters` as the engine takes them (`{ dangling: ['true'], reference: ['app:*'] }`). */
export function listImages(calls: EngineCalls, query: ImageListQuery): Promise<EngineImageSummary[]> {
  return calls.call('image.list', (d) => d.listImages({ all: query.all ?? false, filters: query.filters ?? {} }));
}

/** `docker history`: layers, newest first. */
export function imageHistory(calls: EngineCalls, ref: string): Promise<EngineImageHistoryItem[]> {
  return calls.call('image.history', (d) => d.getImage(ref).history() as Promise<EngineImageHistoryItem[]>);
}

/** `docker tag`: `repo:tag` now names the image `ref` names. */
export async function tagImage(calls: EngineCalls, ref: string, repo: string, tag: string): Promise<void> {
  await calls.call('image.tag', (d) => d.getImage(ref).tag({ repo, tag }));
}

/** `docker rmi`: what the engine untagged and deleted. */
export function removeImage(
  calls: EngineCalls,
  ref: string,
  options: { force: boolean; noprune: boolean },
): Promise<EngineImageDeleteItem[]> {
  return calls.call('image.remove', (d) => d.getImage(ref).remove(options) as Promise<EngineImageDeleteItem[]>);
}

/**
 * `docker save`: the images' tar as the engine writes it, never buffered. Only opening is bounded (SAVE_OPEN_TIMEOUT_MS);
 * destroying the returned stream (or aborting `signal`) closes the engine request.
 */
export function exportImages(calls: EngineCalls, refs: string[], signal: AbortSignal): Promise<Readable> {
  const endpoint = calls.rawEndpoint();
  // Read raw where it can: docker-modem's HTTP/1.1 client costs a parse and a callback per engine chunk (bench/README.md).
  if (endpoint)
    return calls.openStream<Readable>(
      'image.export',
      (_d, opened) =>
        rawGet(
          endpoint,
          `/images/get?${new URLSearchParams(refs.map((ref): [string, string] => ['names', ref]))}`,
          AbortSignal.any([signal, opened]),
          BULK_READS,
        ),
      SAVE_OPEN_TIMEOUT_MS,
    );
  return calls.openStream<Readable>(
    'image.export',
    (_d, opened) =>
      calls.dial<Readable>({
        path: '/images/get?',
        method: 'GET',
        isStream: true,
        abortSignal: AbortSignal.any([signal, opened]),
        options: { names: refs },
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      }),
    SAVE_OPEN_TIMEOUT_MS,
  );
}

/**
 * `docker load`: `tar` streamed into the engine as it arrives (backpressure through the pipe),
 * then the engine's answer read to its end. Resolves with the references it loaded (`Loaded
 * image: app:1`, or `Loaded image ID: sha256:...` for an untagged one); an error line is thrown.
 */
export async function loadImages(calls: EngineCalls, tar: Readable, signal: AbortSignal): Promise<string[]> {
  return calls.call(
    'image.load',
    async () => {
      const answer = await calls.dial<Readable>({
        path: '/images/load?',
        method: 'POST',
        isStream: true,
        abortSignal: signal,
        file: tar,
        headers: { 'Content-Type': 'application/x-tar' },
        options: { quiet: true },
        statusCodes: { 200: true, 400: 'bad request', 500: 'server error' },
      });
      try {
        return await readLoaded(answer);
      } finally {
        answer.destroy();
      }
    },
    LOAD_TIMEOUT_MS,
  );
}

const LOADED = /^Loaded image(?: ID)?: (\S+)\s*$/;

/** The references a `docker load` answer names; rejects with the engine's message when a line is an error. */
export async function readLoaded(stream: Readable): Promise<string[]> {
  const loaded: string[] = [];
  let failure: string | undefined;
  await pipeline(
    stream,
    new JsonLines(),
    async (events: AsyncIterable<{ stream?: string; error?: string; errorDetail?: { message?: string } }>) => {
      for await (const event of events) {
        failure ??= event.errorDetail?.message ?? event.error;
        const match = event.stream ? LOADED.exec(event.stream.trim()) : null;
        if (match) loaded.push(match[1]);
      }
    },
  );
  if (failure) throw new EngineHttpError(400, { message: failure }, failure);
  return loaded;
}
