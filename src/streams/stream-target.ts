import { ProblemException } from '../common/problem.js';
// The REST path's rule for a container reference, so both refuse the same references alike.
import { containerRef } from '../containers/container-ref.pipe.js';
import type { Engine } from '../docker/engine.js';
import type { EngineStreamTarget } from '../docker/engine-types.js';
import { serviceRef } from '../swarm-services/service-ref.pipe.js';

/**
 * The container a channel streams from on its host's engine, checked before the upgrade: 404 for an
 * unknown container (one the engine's grammar cannot name included, as on the REST path), 409 when
 * the stream needs a running container and it is not.
 */
export async function resolveStreamTarget(
  engine: Engine,
  query: { container: string },
  needsRunning: boolean,
): Promise<{ engine: Engine; target: EngineStreamTarget }> {
  const container = containerRef(query.container);
  const target = await engine.streamTarget(container);
  if (needsRunning && !target.running) throw new ProblemException(409, 'CONTAINER_NOT_RUNNING', `Container ${target.name} is not running.`);
  return { engine, target };
}

/** The Swarm service a channel streams the log of, on its host's engine: 404 for an unknown service, before the upgrade. */
export async function resolveServiceTarget(
  engine: Engine,
  query: { service: string },
): Promise<{ engine: Engine; target: EngineStreamTarget }> {
  const service = serviceRef(query.service);
  return { engine, target: await engine.serviceStreamTarget(service) };
}
