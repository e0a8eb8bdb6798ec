import { ProblemException } from '../common/problem.js';
import type { Engine } from '../docker/engine.js';
import type { EngineContainerSummary } from '../docker/engine-types.js';
import { PRUNE_KINDS, PruneItem, containerName, isProtected, realTags } from './prune-planner.js';

export type PruneOutcome = 'removed' | 'skipped' | 'failed';

/** One planned item after the execution. */
export interface PruneItemResult extends PruneItem {
  status: PruneOutcome;
  /** Bytes freed: the planned size when removed (the engine's own count for build cache), else 0. */
  reclaimedBytes: number;
  /** Why it was skipped or failed. */
  detail?: string;
}

export interface ExecutionOptions {
  /** The plan asked for dangling images only: one tagged since is skipped. */
  danglingImagesOnly: boolean;
  signal: AbortSignal;
  /** After each item, with how many are done. */
  onItem(result: PruneItemResult, done: number): void;
}

/** Not removed, and why: an answer, not an error. */
class Skip extends Error {}

/**
 * Executes a plan's items one by one, in the engine's dependency order (containers, networks,
 * volumes, images, build cache), each checked again just before it goes: what started, got a
 * user or a tag since the plan is skipped with the reason. Nothing is forced: the engine's own
 * refusal (a container started meanwhile, an image now used) is a skip too.
 */
export async function executePrune(engine: Engine, items: PruneItem[], options: ExecutionOptions): Promise<PruneItemResult[]> {
  const results: PruneItemResult[] = [];
  const ordered = [...items].sort((a, b) => PRUNE_KINDS.indexOf(a.kind) - PRUNE_KINDS.indexOf(b.kind));
  let users: EngineContainerSummary[] | undefined;
  let usersOf: PruneItem['kind'] | undefined;
  for (const item of ordered) {
    if (options.signal.aborted) break;
    // Who uses networks, volumes and images is read again once the containers before them are gone.
    let result: PruneItemResult;
    try {
      if (item.kind !== 'container' && item.kind !== 'buildCache' && usersOf !== item.kind) {
        users = await engine.listContainers({ all: true });
        usersOf = item.kind;
      }
      result = await executeItem(engine, item, users ?? [], options.danglingImagesOnly);
    } catch (error) {
      // Without the list of users nothing of this kind is removed blind.
      result = { ...item, status: 'failed', reclaimedBytes: 0, detail: `cannot check its users: ${problemDetail(error)}` };
    }
    results.push(result);
    options.onItem(result, results.length);
  }
  return results;
}

async function executeItem(
  engine: Engine,
  item: PruneItem,
  users: EngineContainerSummary[],
  danglingOnly: boolean,
): Promise<PruneItemResult> {
  try {
    const reclaimed = await REMOVERS[item.kind](engine, item, users, danglingOnly);
    return { ...item, status: 'removed', reclaimedBytes: reclaimed ?? item.sizeBytes };
  } catch (error) {
    if (error instanceof Skip) return { ...item, status: 'skipped', reclaimedBytes: 0, detail: error.message };
    if (error instanceof ProblemException && error.getStatus() === 404)
      return { ...item, status: 'skipped', reclaimedBytes: 0, detail: 'gone already' };
    // The engine refusing (in use, running) is the re-check doing its work.
    if (error instanceof ProblemException && error.getStatus() === 409)
      return { ...item, status: 'skipped', reclaimedBytes: 0, detail: error.detail };
    return { ...item, status: 'failed', reclaimedBytes: 0, detail: problemDetail(error) };
  }
}

function problemDetail(error: unknown): string {
  return error instanceof ProblemException ? error.detail : String(error);
}

type Remover = (engine: Engine, item: PruneItem, users: EngineContainerSummary[], danglingOnly: boolean) => Promise<number | undefined>;

const usedBy = (users: EngineContainerSummary[], uses: (c: EngineContainerSummary) => boolean) => {
  const user = users.find(uses);
  if (user) throw new Skip(`used by container ${containerName(user)}`);
};

const REMOVERS: Record<PruneItem['kind'], Remover> = {
  async container(engine, item) {
    const found = await engine.inspectContainer(item.id);
    if (found.State.Running || found.State.Paused || found.State.Restarting) throw new Skip('started since the plan was made');
    if (isProtected(found.Config?.Labels)) throw new Skip('protected (berth.protect=true)');
    await engine.removeContainer(found.Id, { force: false, volumes: false });
    return undefined;
  },
  async network(engine, item, users) {
    const found = await engine.inspectNetwork(item.id);
    const endpoints = Object.values(found.Containers ?? {}).map((c) => c.Name);
    if (endpoints.length > 0) throw new Skip(`connected since the plan was made: ${endpoints.join(', ')}`);
    if (isProtected(found.Labels)) throw new Skip('protected (berth.protect=true)');
    usedBy(users, (c) =>
      Object.entries(c.NetworkSettings?.Networks ?? {}).some(([name, n]) => name === found.Name || n?.NetworkID === found.Id),
    );
    await engine.removeNetwork(found.Id);
    return undefined;
  },
  async volume(engine, item, users) {
    usedBy(users, (c) => (c.Mounts ?? []).some((m) => m.Type === 'volume' && m.Name === item.id));
    const found = await engine.inspectVolume(item.id);
    if (!found) throw new Skip('gone already');
    if (item.createdAt !== undefined && found.CreatedAt !== item.createdAt)
      throw new Skip('re-created under this name since the plan was made: another volume');
    if (isProtected(found.Labels)) throw new Skip('protected (berth.protect=true)');
    await engine.removeVolume(item.id);
    return undefined;
  },
  async image(engine, item, users, danglingOnly) {
    usedBy(users, (c) => c.ImageID === item.id);
    const found = await engine.inspectImage(item.id);
    const tags = realTags(found.RepoTags);
    if (danglingOnly && tags.length > 0) throw new Skip(`tagged since the plan was made: ${tags.join(', ')}`);
    if (isProtected(found.Config?.Labels)) throw new Skip('protected (berth.protect=true)');
    // By id the engine refuses an image of several repositories: its tags go one by one, the last one deletes it.
    if (tags.length <= 1) await engine.removeImage(found.Id, { force: false, noprune: false });
    else for (const tag of tags) await engine.removeImage(tag, { force: false, noprune: false });
    return undefined;
  },
  async buildCache(engine, item) {
    const { deleted, spaceReclaimed } = await engine.pruneBuildCache(item.id);
    if (!deleted.includes(item.id)) throw new Skip('in use or gone since the plan was made');
    return spaceReclaimed;
  },
};

export interface PruneReportTotals {
  removed: number;
  skipped: number;
  failed: number;
  reclaimedBytes: number;
}

export function reportTotals(results: PruneItemResult[]): PruneReportTotals {
  const count = (status: PruneOutcome) => results.filter((r) => r.status === status).length;
  return {
    removed: count('removed'),
    skipped: count('skipped'),
    failed: count('failed'),
    reclaimedBytes: results.reduce((sum, r) => sum + r.reclaimedBytes, 0),
  };
}
