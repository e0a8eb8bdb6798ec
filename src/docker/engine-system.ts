import type { EngineCalls } from './engine-calls.js';
import type { EngineDiskUsage, EngineInfo, EngineVersion } from './engine-types.js';

export function ping(calls: EngineCalls, timeoutMs = calls.timeoutMs): Promise<unknown> {
  return calls.call('system.ping', (d) => d.ping(), timeoutMs);
}

export function info(calls: EngineCalls): Promise<EngineInfo> {
  return calls.call('system.info', (d) => d.info() as Promise<EngineInfo>);
}

export function version(calls: EngineCalls): Promise<EngineVersion> {
  return calls.call('system.version', (d) => d.version() as unknown as Promise<EngineVersion>);
}

export function diskUsage(calls: EngineCalls): Promise<EngineDiskUsage> {
  // `docker system df` walks every layer; it can take longer than a list.
  return calls.call('system.df', (d) => d.df() as Promise<EngineDiskUsage>, calls.timeoutMs * 6);
}
