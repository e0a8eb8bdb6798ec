import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import type { EngineVolume, EngineVolumeSummary } from './engine-types.js';

/** `docker volume inspect`; undefined for a volume that does not exist (yet). */
export async function inspectVolume(calls: EngineCalls, name: string): Promise<EngineVolume | undefined> {
  try {
    return await calls.call('volume.inspect', (d) => d.getVolume(name).inspect());
  } catch (error) {
    if (error instanceof ProblemException && error.code === 'VOLUME_NOT_FOUND') return undefined;
    throw error;
  }
}

/** `docker volume ls`: every volume of the host (the engine's list has no usage data: that is `/system/df`). */
export async function listVolumes(calls: EngineCalls): Promise<EngineVolumeSummary[]> {
  const answer = await calls.call('volume.list', (d) => d.listVolumes() as Promise<{ Volumes?: EngineVolumeSummary[] | null }>);
  return answer.Volumes ?? [];
}

/** `docker volume rm` (never forced): 409 while a container uses it. */
export async function removeVolume(calls: EngineCalls, name: string): Promise<void> {
  await calls.call('volume.remove', (d) => d.getVolume(name).remove({ force: false }) as Promise<unknown>);
}
