import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { streamFailure } from '../docker/engine-errors.js';
import { JsonLines } from '../docker/json-lines.js';
import type { JobContext, JobProgress, LayerProgress } from '../jobs/job-types.js';

/** One message of the engine's push progress. */
export interface PushMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** The engine's words for a layer the registry now has. */
const LAYER_DONE = new Set(['Pushed', 'Layer already exists', 'Mounted from']);
const layerDone = (layer: LayerProgress) => LAYER_DONE.has(layer.status) || layer.status.startsWith('Mounted from');

/** The push's progress from its layers: a done layer counts whole, a pushing one by its bytes, the rest as nothing yet. */
export function pushProgress(layers: LayerProgress[]): JobProgress {
  const fraction = (layer: LayerProgress) =>
    layerDone(layer) ? 1 : layer.totalBytes ? Math.min(1, (layer.currentBytes ?? 0) / layer.totalBytes) : 0;
  const percent = layers.length === 0 ? null : Math.floor((100 * layers.reduce((sum, l) => sum + fraction(l), 0)) / layers.length);
  const currentBytes = layers.reduce((sum, l) => sum + (l.currentBytes ?? 0), 0);
  const unknown = layers.some((l) => !layerDone(l) && l.totalBytes === undefined);
  const totalBytes = unknown ? null : layers.reduce((sum, l) => sum + (l.totalBytes ?? 0), 0);
  return { percent, currentBytes, totalBytes, layers: layers.map((l) => ({ ...l })) };
}

/** Folds one message into the layers (by id); false when it is not about a layer. */
export function foldPushMessage(layers: Map<string, LayerProgress>, message: PushMessage): boolean {
  if (!message.id || !message.status || message.aux) return false;
  const layer = layers.get(message.id) ?? { id: message.id, status: message.status };
  layer.status = message.status;
  const { current, total } = message.progressDetail ?? {};
  if (typeof current === 'number') layer.currentBytes = current;
  if (typeof total === 'number' && total > 0) layer.totalBytes = total;
  if (layerDone(layer) && layer.totalBytes !== undefined) layer.currentBytes = layer.totalBytes;
  layers.set(message.id, layer);
  return true;
}

/**
 * Reads a push's JSON lines to the end: per-layer progress, the status lines as output, the
 * digest from the final aux message; an error anywhere fails the push with the engine's message.
 */
export async function readPushProgress(
  hostId: string,
  stream: Readable,
  context: Pick<JobContext, 'output' | 'progress'>,
): Promise<{ digest: string }> {
  const layers = new Map<string, LayerProgress>();
  let digest: string | undefined;
  let failure: string | undefined;
  await pipeline(stream, new JsonLines(), async (messages: AsyncIterable<PushMessage>) => {
    for await (const message of messages) {
      const error = message.errorDetail?.message ?? message.error;
      if (error) failure ??= error;
      if (typeof message.aux?.Digest === 'string') digest = message.aux.Digest;
      if (foldPushMessage(layers, message)) context.progress(pushProgress([...layers.values()]));
      else if (message.status) {
        context.output(message.status);
        digest ??= /digest: (sha256:[a-f0-9]{64})/.exec(message.status)?.[1];
      }
    }
  });
  if (failure) throw streamFailure(hostId, failure);
  if (!digest) throw streamFailure(hostId, 'the push ended without a digest');
  const done = pushProgress([...layers.values()]);
  context.progress({ ...done, percent: 100 });
  return { digest };
}
