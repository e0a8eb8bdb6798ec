import type { ContainerCommitOptions, ContainerListQuery } from './engine.js';
import { EngineCalls, notModifiedIsDone } from './engine-calls.js';
import type {
  EngineContainerCreate,
  EngineContainerInspect,
  EngineContainerStats,
  EngineContainerSummary,
  EngineContainerTop,
} from './engine-types.js';

export function listContainers(calls: EngineCalls, query: ContainerListQuery): Promise<EngineContainerSummary[]> {
  return calls.call('container.list', (d) => d.listContainers(listOptions(query)));
}

function listOptions(query: ContainerListQuery): { all: boolean; limit?: number; filters: Record<string, string[]> } {
  return { all: query.all ?? false, ...(query.limit && { limit: query.limit }), filters: query.filters ?? {} };
}

/** The engine's list answer as it came (JSON bytes), for a caller that parses it once, or not when unchanged. */
export function listContainersJson(calls: EngineCalls, query: ContainerListQuery): Promise<Buffer> {
  const path = listPath(query);
  return calls.call(
    'container.list',
    async (d) => (await calls.getBytes(path)) ?? Buffer.from(JSON.stringify(await d.listContainers(listOptions(query)))),
  );
}

/** Request paths per frozen query: a poller's every request sends the same one (see ContainersService.list). */
const listPaths = new WeakMap<ContainerListQuery, string>();
function listPath(query: ContainerListQuery): string {
  let path = listPaths.get(query);
  if (path === undefined) {
    const { all, limit, filters } = listOptions(query);
    path = `/containers/json?${new URLSearchParams({ all: String(all), ...(limit && { limit: String(limit) }), filters: JSON.stringify(filters) })}`;
    if (Object.isFrozen(query)) listPaths.set(query, path);
  }
  return path;
}

export function inspectContainer(calls: EngineCalls, id: string): Promise<EngineContainerInspect> {
  return calls.call('container.inspect', (d) => d.getContainer(id).inspect());
}

/** Creates a container; the engine's warnings come back (dockerode would drop them). */
export async function createContainer(
  calls: EngineCalls,
  name: string | undefined,
  spec: EngineContainerCreate,
): Promise<{ id: string; warnings: string[] }> {
  const created = await calls.call('container.create', () =>
    calls.dial<{ Id: string; Warnings?: string[] | null }>({
      path: '/containers/create?',
      method: 'POST',
      options: { _query: name ? { name } : {}, _body: spec },
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
    }),
  );
  return { id: created.Id, warnings: created.Warnings ?? [] };
}

/** Starts a container; one already running is success (the engine's 304). */
export function startContainer(calls: EngineCalls, id: string): Promise<void> {
  return calls.call('container.start', (d) => notModifiedIsDone(d.getContainer(id).start()));
}

/** `docker stop -t`: SIGTERM, then SIGKILL after `timeoutSeconds`; a stopped container is success. */
export function stopContainer(calls: EngineCalls, id: string, timeoutSeconds?: number): Promise<void> {
  return calls.call(
    'container.stop',
    (d) => notModifiedIsDone(d.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })),
    waitBound(calls, timeoutSeconds),
  );
}

export function restartContainer(calls: EngineCalls, id: string, timeoutSeconds?: number): Promise<void> {
  return calls.call(
    'container.restart',
    (d) => notModifiedIsDone(d.getContainer(id).restart(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })),
    waitBound(calls, timeoutSeconds),
  );
}

export function killContainer(calls: EngineCalls, id: string, signal?: string): Promise<void> {
  return calls.call('container.kill', (d) =>
    d
      .getContainer(id)
      .kill(signal ? { signal } : {})
      .then(() => undefined),
  );
}

export function pauseContainer(calls: EngineCalls, id: string): Promise<void> {
  return calls.call('container.pause', (d) =>
    d
      .getContainer(id)
      .pause()
      .then(() => undefined),
  );
}

export function unpauseContainer(calls: EngineCalls, id: string): Promise<void> {
  return calls.call('container.unpause', (d) =>
    d
      .getContainer(id)
      .unpause()
      .then(() => undefined),
  );
}

export function removeContainer(calls: EngineCalls, id: string, options: { force: boolean; volumes: boolean }): Promise<void> {
  return calls.call('container.remove', (d) =>
    d
      .getContainer(id)
      .remove({ force: options.force, v: options.volumes })
      .then(() => undefined),
  );
}

export function renameContainer(calls: EngineCalls, id: string, name: string): Promise<void> {
  return calls.call('container.rename', (d) =>
    d
      .getContainer(id)
      .rename({ name })
      .then(() => undefined),
  );
}

export function containerTop(calls: EngineCalls, id: string, psArgs?: string): Promise<EngineContainerTop> {
  return calls.call('container.top', (d) => d.getContainer(id).top(psArgs ? { ps_args: psArgs } : {}) as Promise<EngineContainerTop>);
}

/** The size of the container's TTY (`docker attach` in a resized terminal). */
export function resizeContainer(calls: EngineCalls, id: string, width: number, height: number): Promise<void> {
  return calls.call('container.resize', (d) =>
    d
      .getContainer(id)
      .resize({ w: width, h: height })
      .then(() => undefined),
  );
}

/** One stats sample; without `one-shot` the engine waits a cycle (~1 s) so that `precpu_stats` is filled, as `docker stats` needs. */
export function containerStats(calls: EngineCalls, id: string): Promise<EngineContainerStats> {
  return calls.call(
    'container.stats',
    (d) => d.getContainer(id).stats({ stream: false }) as unknown as Promise<EngineContainerStats>,
    calls.timeoutMs + 2000,
  );
}

/** `docker commit`: an image from the container's filesystem and config. */
export async function commitContainer(calls: EngineCalls, id: string, options: ContainerCommitOptions): Promise<{ id: string }> {
  const committed = await calls.call(
    'container.commit',
    (d) =>
      d.getContainer(id).commit({
        repo: options.repo,
        ...(options.tag && { tag: options.tag }),
        ...(options.comment && { comment: options.comment }),
        ...(options.author && { author: options.author }),
        pause: options.pause ?? true,
        ...(options.changes?.length && { changes: options.changes.join('\n') }),
      }) as Promise<{ Id: string }>,
    calls.timeoutMs * 15,
  );
  return { id: committed.Id };
}

/** Stop and restart wait for the container: the bound is its grace period plus the usual. */
function waitBound(calls: EngineCalls, timeoutSeconds: number | undefined): number {
  return calls.timeoutMs + (timeoutSeconds ?? 10) * 1000;
}
