import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import { EngineHttpError } from './engine-errors.js';
import { JsonLines } from './json-lines.js';
import type { EngineImageInspect, EngineProgressMessage, PullOptions, RegistryAuth } from './engine-types.js';

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
      ...(auth && { authconfig: auth }),
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
