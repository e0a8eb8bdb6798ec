import { Injectable } from '@nestjs/common';
import { isProblem } from '../common/problem.js';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import type { Engine } from '../docker/engine.js';

/** Berth as an engine sees it: whether Berth runs in one of its containers, and the volumes mounted into it. */
export interface BerthOnEngine {
  inContainer: boolean;
  /** Its container's id there: what holds Berth's secrets (env, data dir) and often the engine's socket. */
  id?: string;
  volumes: string[];
  /** The host paths bound where Berth keeps its data (`-v /srv/berth:/data`): a bind of one reaches its secrets. */
  dataSources?: string[];
  /** The ids of the networks its container is on: through one it may reach its engine (a socket proxy's tcp://). */
  networks?: string[];
  /** The id of the image Berth's container runs (never pruned). */
  image?: string;
}

const CONTAINER_ID = /(?:\/containers\/|\/docker[-/])([0-9a-f]{64})(?:[/.]|$)/m;

/**
 * The id of the Docker container this process runs in, from /proc/self/mountinfo (the engine bind-mounts
 * /etc/hostname and friends from /var/lib/docker/containers/<id>/) or /proc/self/cgroup (cgroup v1).
 */
export function ownContainerId(...procFiles: string[]): string | undefined {
  for (const text of procFiles) {
    const match = CONTAINER_ID.exec(text);
    if (match) return match[1];
  }
  return undefined;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Finds Berth's own container on an engine. A file like /.dockerenv is not enough: a sandbox may look like a
 * container and still share its filesystem with the engine; only the engine knowing the id settles it.
 */
@Injectable()
export class BerthContainer {
  private readonly id = ownContainerId(readProc('/proc/self/mountinfo'), readProc('/proc/self/cgroup'));
  private readonly dataDir: string;

  constructor(config: AppConfig) {
    this.dataDir = posix.resolve(config.dataDir);
  }
  /** Per engine, not per host id: a host reconnected elsewhere (a new url, or deleted and added again) is asked again. */
  private readonly known = new WeakMap<Engine, BerthOnEngine>();

  async on(engine: Engine): Promise<BerthOnEngine> {
    const cached = this.known.get(engine);
    if (cached) return cached;
    const found = await this.inspect(engine);
    this.known.set(engine, found);
    return found;
  }

  private async inspect(engine: Engine): Promise<BerthOnEngine> {
    if (!this.id) return { inContainer: false, volumes: [] };
    try {
      const self = await engine.inspectContainer(this.id);
      const mounts = self.Mounts ?? [];
      const volumes = mounts.filter((mount) => mount.Type === 'volume' && mount.Name).map((mount) => mount.Name!);
      // Only the binds that hold the data dir or lie in it (`-v /srv/berth.db:/data/berth.db`): others (a read-only view of
      // the host, BERTH_HOST_ROOT) are the admin's to share.
      const dataSources = mounts
        .filter(
          (mount) =>
            mount.Type === 'bind' &&
            mount.Source &&
            mount.Destination &&
            (holds(mount.Destination, this.dataDir) || holds(this.dataDir, mount.Destination)),
        )
        .map((mount) => mount.Source!);
      // Not the default bridge: every container without a network of its own is there anyway.
      const networks = Object.entries(self.NetworkSettings?.Networks ?? {}).flatMap(([name, network]) =>
        name !== 'bridge' && network.NetworkID ? [network.NetworkID] : [],
      );
      return { inContainer: true, id: self.Id, volumes, dataSources, networks, image: self.Image };
    } catch (error) {
      // Another engine's container (a remote host): Berth is not in it. Anything else (engine down) is not cached.
      if (isProblem(error, 'CONTAINER_NOT_FOUND')) return { inContainer: false, volumes: [] };
      throw error;
    }
  }
}

/** Whether `dir` is `path` or one of its parents. */
function holds(dir: string, path: string): boolean {
  const parent = posix.resolve(dir);
  return path === parent || path.startsWith(parent === '/' ? '/' : `${parent}/`);
}
