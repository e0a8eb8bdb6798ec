import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** 30 s by default: long enough for a loaded machine, and only ever waited out when the test fails. */
  timeoutMs?: number;
  intervalMs?: number;
  /** A probe that throws has not seen it yet (e.g. an inspect of what is still being created); by default it fails the test. */
  ignoreErrors?: boolean;
}

/**
 * Polls `probe` until it answers something truthy, and returns that; fails naming `what` once
 * `timeoutMs` has passed. The one way tests wait for what happens in its own time: never a fixed sleep.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  what: string | (() => string),
  options: UntilOptions = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const { timeoutMs = 30_000, intervalMs = 100, ignoreErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    } catch (error) {
      if (!ignoreErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const name = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}
