import { ProblemException } from '../common/problem.js';
import type { Engine } from './engine.js';

export const LOCAL_HOST_ID = 'local';

/** The Docker hosts Berth manages, each with its Engine: `local` from DOCKER_HOST (see DockerModule), others from host records. */
export class DockerHosts {
  private readonly engines = new Map<string, Engine>();

  constructor(engines: Engine[]) {
    for (const engine of engines) this.engines.set(engine.host.id, engine);
  }

  /** Adds or replaces the engine of `engine.host.id`. */
  add(engine: Engine): void {
    this.engines.set(engine.host.id, engine);
  }

  remove(hostId: string): void {
    this.engines.delete(hostId);
  }

  list(): Engine[] {
    return [...this.engines.values()];
  }

  /** The engine of a host; 404 HOST_NOT_FOUND for an id Berth does not know. */
  get(hostId: string): Engine {
    const engine = this.engines.get(hostId);
    if (!engine) throw new ProblemException(404, 'HOST_NOT_FOUND', `No host '${hostId}'.`);
    return engine;
  }
}
