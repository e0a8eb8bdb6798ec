import type { EngineCalls } from './engine-calls.js';
import type { HealthFacts } from './host-health.js';
import type { EngineDiskUsage, EngineInfo, EngineVersion } from './engine-types.js';

export function ping(calls: EngineCalls, timeoutMs = calls.timeoutMs): Promise<unknown> {
  return calls.call('system.ping', (d) => d.ping(), timeoutMs);
}

/** The health loop's check (src/docker/host-health.ts): reachable, and which versions it speaks; never short-circuited. */
export async function healthCheck(calls: EngineCalls): Promise<HealthFacts> {
  return calls.call('health.check', async (d) => {
    await d.ping();
    const version = (await d.version()) as unknown as EngineVersion;
    return { engineVersion: version.Version, apiVersion: version.ApiVersion };
  });
}

export function info(calls: EngineCalls): Promise<EngineInfo> {
  return calls.call('system.info', (d) => d.info() as Promise<EngineInfo>);
}

export function version(calls: EngineCalls): Promise<EngineVersion> {
  return calls.call('system.version', (d) => d.version() as unknown as Promise<EngineVersion>);
}

/** How often, and how long apart, a `/system/df` refused because another client's runs is asked again. */
const DF_BUSY_RETRIES = 10;
const DF_BUSY_WAIT_MS = 500;

export async function diskUsage(calls: EngineCalls, retries = DF_BUSY_RETRIES): Promise<EngineDiskUsage> {
  try {
    // `docker system df` walks every layer; it can take longer than a list.
    return await calls.call('system.df', (d) => d.df() as Promise<EngineDiskUsage>, calls.timeoutMs * 6);
  } catch (error) {
    // The engine runs one at a time for all its clients (the docker CLI's `system df`, another Berth):
    // "a disk usage operation is already running" is a wait, not a failure.
    if (retries === 0 || !/disk usage operation is already running/i.test(String((error as { detail?: string }).detail ?? error)))
      throw error;
    await new Promise((resolve) => setTimeout(resolve, DF_BUSY_WAIT_MS));
    return diskUsage(calls, retries - 1);
  }
}
