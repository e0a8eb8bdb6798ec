import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import type { EngineVolume } from './engine-types.js';

/** `docker volume inspect`; undefined for a volume that does not exist (yet). */
export async function inspectVolume(calls: EngineCalls, name: string): Promise<EngineVolume | undefined> {
  try {
    return await calls.call('volume.inspect', (d) => d.getVolume(name).inspect());
  } catch (error) {
    if (error instanceof ProblemException && error.code === 'VOLUME_NOT_FOUND') return undefined;
    throw error;
  }
}
