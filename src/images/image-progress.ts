import type { EngineProgressMessage } from '../docker/engine-types.js';
import type { JobProgress, LayerProgress } from '../jobs/job-types.js';

/** Layer states after which its bytes are all there (downloaded, or already on the host). */
const LAYER_DONE = new Set(['Download complete', 'Extracting', 'Pull complete', 'Already exists']);
/** Lines that repeat per chunk: progress, not output. */
const CHATTY = new Set(['Downloading', 'Extracting', 'Waiting']);

/** Whether a message is about a layer (its id a short or long hex id), not the tag ("Pulling from") or the image. */
function isLayerMessage(message: EngineProgressMessage): message is EngineProgressMessage & { id: string; status: string } {
  return !!message.id && !!message.status && /^[0-9a-f]{12,64}$/.test(message.id) && !message.status.startsWith('Pulling from');
}

/** The layers after one engine progress message (pure: a new array, the old one untouched). */
export function foldLayer(layers: readonly LayerProgress[], message: EngineProgressMessage): LayerProgress[] {
  if (!isLayerMessage(message)) return [...layers];
  const index = layers.findIndex((layer) => layer.id === message.id);
  const before: LayerProgress = index >= 0 ? layers[index] : { id: message.id, status: message.status };
  const layer: LayerProgress = { ...before, status: message.status };
  const detail = message.progressDetail;
  if (message.status === 'Downloading' && typeof detail?.current === 'number') {
    layer.currentBytes = detail.current;
    // The engine leaves the total out (or sends -1) when the registry gave no size.
    if (typeof detail.total === 'number' && detail.total > 0) layer.totalBytes = detail.total;
  }
  if (LAYER_DONE.has(message.status) && layer.totalBytes !== undefined) layer.currentBytes = layer.totalBytes;
  return index >= 0 ? layers.map((l, i) => (i === index ? layer : l)) : [...layers, layer];
}

function layerDone(layer: LayerProgress): boolean {
  return LAYER_DONE.has(layer.status);
}

/**
 * The job's progress from its layers: bytes summed over the layers whose size is known; the
 * percent by bytes while every unfinished layer has a size, else by layers (a layer without a size
 * counts 0 until done). 100 only when every layer is done.
 */
export function pullProgress(layers: readonly LayerProgress[]): JobProgress {
  const sized = layers.filter((layer) => layer.totalBytes !== undefined);
  const totalBytes = sized.length > 0 ? sized.reduce((sum, layer) => sum + (layer.totalBytes ?? 0), 0) : null;
  const currentBytes = sized.reduce((sum, layer) => sum + Math.min(layer.currentBytes ?? 0, layer.totalBytes ?? 0), 0);
  let percent: number | null = null;
  if (layers.length > 0) {
    const allDone = layers.every(layerDone);
    if (allDone) percent = 100;
    else if (layers.every((layer) => layerDone(layer) || layer.totalBytes !== undefined) && totalBytes) {
      percent = Math.min(99, Math.floor((100 * currentBytes) / totalBytes));
    } else {
      const fractions = layers.map((layer) =>
        layerDone(layer) ? 1 : layer.totalBytes ? Math.min(1, (layer.currentBytes ?? 0) / layer.totalBytes) : 0,
      );
      percent = Math.min(99, Math.floor((100 * fractions.reduce((a, b) => a + b, 0)) / layers.length));
    }
  }
  return { percent, currentBytes, totalBytes, layers: layers.map((layer) => ({ ...layer })) };
}

/** The progress of a pull that ended well: 100 %, every byte there (an image already up to date has no layers). */
export function completedProgress(progress: JobProgress): JobProgress {
  return { ...progress, percent: 100, currentBytes: progress.totalBytes ?? progress.currentBytes };
}

/** The line a message is worth in the job's log, or undefined for the per-chunk ones. */
export function progressLine(message: EngineProgressMessage): string | undefined {
  const text = message.errorDetail?.message ?? message.error ?? message.status;
  if (!text || (message.status && CHATTY.has(message.status) && !message.error)) return undefined;
  return message.id ? `${message.id}: ${text}` : text;
}
