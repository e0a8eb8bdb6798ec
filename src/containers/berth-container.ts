import { Injectable } from '@nestjs/common';
import { isProblem } from '../common/problem.js';
import { readFileSync } from 'node:fs';
import type { Engine } from '../docker/engine.js';

/** Berth as an engine sees it: whether Berth runs in one of its containers, and the volumes mounted into it. */
export interface BerthOnEngine {
  inContainer: boolean;
  volumes: string[];
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
      const volumes = (self.Mounts ?? []).filter((mount) => mount.Type === 'volume' && mount.Name).map((mount) => mount.Name!);
      return { inContainer: true, volumes, image: self.Image };
    } catch (error) {
      // Another engine's container (a remote host): Berth is not in it. Anything else (engine down) is not cached.
      if (isProblem(error, 'CONTAINER_NOT_FOUND')) return { inContainer: false, volumes: [] };
      throw error;
    }
  }
}
