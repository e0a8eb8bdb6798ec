import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';

const flags = vi.hoisted(() => [] as string[]);
vi.mock('node:v8', () => ({ setFlagsFromString: (flag: string) => flags.push(flag) }));

afterEach(() => {
  vi.resetModules();
  vi.unstubAllEnvs();
});

describe('start heap policy', () => {
  it('starts with a small young generation and the interpreter only, and restores both once Berth listens', async () => {
    flags.length = 0;
    vi.stubEnv('NODE_OPTIONS', '');
    const { startHeapDone, START_TIERS, SERVING_TIERS, SERVING_HEAP_GROWTH } = await import('./start-heap.js');
    expect(flags).toEqual(['--semi-space-growth-factor=1', ...START_TIERS]);
    startHeapDone();
    expect(flags.slice(1 + START_TIERS.length)).toEqual(['--semi-space-growth-factor=2', SERVING_HEAP_GROWTH, ...SERVING_TIERS]);
  });

  it('leaves the tiers alone when node was told how to tier', async () => {
    flags.length = 0;
    vi.stubEnv('NODE_OPTIONS', '--jitless');
    const { startHeapDone } = await import('./start-heap.js');
    startHeapDone();
    expect(flags).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=2', '--heap-growing-percent=100']);
  });

  it('leaves the heap growth alone when node was given its own', async () => {
    flags.length = 0;
    vi.stubEnv('NODE_OPTIONS', '--jitless --heap_growing_percent=50');
    const { startHeapDone, heapGrowthChosen } = await import('./start-heap.js');
    startHeapDone();
    expect(flags).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=2']);
    expect(heapGrowthChosen(['--heap-growing-percent=20'])).toBe(true);
    expect(heapGrowthChosen(['--max-old-space-size=200'], '--trace-gc')).toBe(false);
  });

  // V8 ignores a flag it does not know: the heap policy holds only while this node's V8 (the Node 24 tier's too) has it.
  it("sets a heap growth flag this node's V8 knows", async () => {
    const { SERVING_HEAP_GROWTH } = await vi.importActual<typeof import('./start-heap.js')>('./start-heap.js');
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toContain(SERVING_HEAP_GROWTH.split('=')[0]);
  });

  it.each([
    [[], '', false],
    [['--enable-source-maps'], '--max-old-space-size=200', false],
    [['--jitless'], '', true],
    [[], '--max-opt=2', true],
    [['--no-opt'], '', true],
    [['--no_turbofan'], '', true],
    [[], '--sparkplug --trace-gc', true],
    [['--maglev'], '', true],
  ])('node options %j / NODE_OPTIONS %j choose the tiers: %s', async (execArgv, nodeOptions, chosen) => {
    const { tieringChosen } = await vi.importActual<typeof import('./start-heap.js')>('./start-heap.js');
    expect(tieringChosen(execArgv, nodeOptions)).toBe(chosen);
  });

  // On this very node (the Node 24 tier too): the start's flags stop every optimising tier, the serving ones bring them back.
  it.each([
    ['start', false],
    ['serving', true],
  ])('with the %s flags, a hot function is optimised: %s', async (phase, optimised) => {
    const { START_TIERS, SERVING_TIERS } = await vi.importActual<typeof import('./start-heap.js')>('./start-heap.js');
    const script = `
      const v8 = require('node:v8');
      for (const flag of ${JSON.stringify(START_TIERS)}) v8.setFlagsFromString(flag);
      function cold(x) { let s = 0; for (let i = 0; i < 1000; i++) s += i * x; return s; }
      for (let i = 0; i < 20000; i++) cold(i);
      for (const flag of ${JSON.stringify(phase === 'serving' ? SERVING_TIERS : [])}) v8.setFlagsFromString(flag);
      function hot(x) { let s = 0; for (let i = 0; i < 1000; i++) s += i * x; return s; }
      for (let i = 0; i < 20000; i++) hot(i);
    `;
    const trace = execFileSync(process.execPath, ['--trace-opt', '-e', script], { encoding: 'utf8' });
    // Turbofan says "completed optimizing", Maglev (Node 22+) "completed compiling".
    expect(trace).not.toMatch(/completed (optimizing|compiling) .*cold/);
    expect(/completed (optimizing|compiling) .*hot/.test(trace)).toBe(optimised);
  });
});
