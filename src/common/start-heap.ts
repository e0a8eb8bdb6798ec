import { setFlagsFromString } from 'node:v8';

/**
 * Loading ~2 700 modules allocates fast, so V8 grows its young generation to the maximum (2 × 16 MB) during
 * start, and never gives it back while idle: 27 MB of resident memory holding nothing. Imported first by main,
 * this keeps the young generation at its initial size until Berth listens; afterwards it grows under load as usual.
 */
setFlagsFromString('--semi-space-growth-factor=1');

/** Berth has started: the young generation may grow again (V8's default factor). */
export function startHeapDone(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
