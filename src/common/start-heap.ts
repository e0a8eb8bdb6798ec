import { setFlagsFromString } from 'node:v8';

/**
 * Loading ~2 700 modules allocates fast, so V8 grows its young generation to the maximum (2 × 16 MB) during
 * start, and never gives it back while idle: 27 MB of resident memory holding nothing. Imported first by main,
 * this keeps the young generation at its initial size until Berth listens; afterwards it grows under load as usual.
 */
setFlagsFromString('--semi-space-growth-factor=1');

/**
 * The start runs code once (module bodies, decorators, Nest's wiring), yet V8's compilers optimise what looks hot:
 * Turbofan's compiler memory then stays in malloc's per-thread arenas (~18 MB of idle RSS), for no gain. The
 * interpreter alone until Berth listens, then V8's default tiers again (`--max-opt` is not used: lowering it turns
 * the tiers off for good). Left alone when node was started with its own tiering flags (e.g. --jitless).
 */
/** Maglev (V8 12+, Node 22+, the image's Node 24) is on by default there, off on Node 20: turned off only where on. */
const MAGLEV_BY_DEFAULT = Number(process.versions.v8.split('.')[0]) >= 12;
export const START_TIERS = ['--no-turbofan', '--no-sparkplug', ...(MAGLEV_BY_DEFAULT ? ['--no-maglev'] : [])];
export const SERVING_TIERS = ['--turbofan', '--sparkplug', ...(MAGLEV_BY_DEFAULT ? ['--maglev'] : [])];
const TIERING_FLAG = /--(jitless|max-opt|(no-)?(opt|turbofan|sparkplug|maglev))\b/;

/** Whether node's own options (command line, NODE_OPTIONS) already choose V8's tiers. */
export function tieringChosen(execArgv: readonly string[], nodeOptions = ''): boolean {
  return optionGiven(TIERING_FLAG, execArgv, nodeOptions);
}

function optionGiven(flag: RegExp, execArgv: readonly string[], nodeOptions: string): boolean {
  return [...execArgv, nodeOptions].some((option) => flag.test(option.replaceAll('_', '-')));
}

const tierDuringStart = !tieringChosen(process.execArgv, process.env.NODE_OPTIONS);
if (tierDuringStart) START_TIERS.forEach((flag) => setFlagsFromString(flag));

/**
 * After a full GC, V8 lets the old generation grow to only ~1.1-1.3 times what survived (Berth's ~22 MB) before the
 * next one: a lone client's list requests (~100 KB each, Buffers included) then set off a full mark-compact of the
 * whole heap every ~60-90 requests, ~0.5 ms of CPU per request (measured, issue 14). Twice what survived makes them
 * rare; the memory reducer still shrinks the heap once Berth is idle. Left alone when node was given its own.
 */
export const SERVING_HEAP_GROWTH = '--heap-growing-percent=100';

/** Whether node's own options already set the heap's growth. */
export function heapGrowthChosen(execArgv: readonly string[], nodeOptions = ''): boolean {
  return optionGiven(/--heap-growing-percent\b/, execArgv, nodeOptions);
}
const growHeapWhenServing = !heapGrowthChosen(process.execArgv, process.env.NODE_OPTIONS);

/** Berth has started: the young generation may grow again (V8's default factor), and hot code be optimised. */
export function startHeapDone(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
  if (growHeapWhenServing) setFlagsFromString(SERVING_HEAP_GROWTH);
  if (tierDuringStart) SERVING_TIERS.forEach((flag) => setFlagsFromString(flag));
}
