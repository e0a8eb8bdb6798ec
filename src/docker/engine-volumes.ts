import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import type { EngineVolume, EngineVolumeCreate } from './engine-types.js';

/** `docker volume inspect`; undefined for a volume that does not exist (yet). */
export async function inspectVolume(calls: EngineCalls, name: string): Promise<EngineVolume | undefined> {
  try {
    return await calls.call('volume.inspect', (d) => d.getVolume(name).inspect());
  } catch (error) {
    if (error instanceof ProblemException && error.code === 'VOLUME_NOT_FOUND') return undefined;
    throw error;
  }
}

/** `docker volume ls` with the engine's filters (`dangling`, `driver`, `label`, `name`). */
export async function listVolumes(calls: EngineCalls, filters: Record<string, string[]> = {}): Promise<EngineVolume[]> {
  const answer = await calls.call('volume.list', (d) => d.listVolumes({ filters }));
  return (answer.Volumes ?? []) as EngineVolume[];
}

/** `docker volume create`: the volume as the engine made it (an existing one of that name comes back as it is). */
export function createVolume(calls: EngineCalls, spec: EngineVolumeCreate): Promise<EngineVolume> {
  return calls.call('volume.create', () =>
    calls.dial<EngineVolume>({
      path: '/volumes/create?',
      method: 'POST',
      options: { _body: spec },
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 409: 'conflict', 500: 'server error' },
    }),
  );
}

/** `docker volume rm [-f]`: 404 VOLUME_NOT_FOUND, 409 VOLUME_IN_USE. */
export function removeVolume(calls: EngineCalls, name: string, options: { force?: boolean } = {}): Promise<void> {
  return calls.call('volume.remove', (d) =>
    d
      .getVolume(name)
      .remove({ force: options.force ?? false })
      .then(() => undefined),
  );
}
