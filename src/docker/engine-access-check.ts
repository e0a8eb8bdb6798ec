import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { statSync } from 'node:fs';
import { ProblemException } from '../common/problem.js';
import { DockerHosts } from './docker-hosts.js';
import { ENGINE_PERMISSION_FIX } from './engine-errors.js';
import type { Engine } from './engine.js';

/** A ping at start need not wait for a slow engine: only a refusal is worth a line here. */
const START_PING_MS = 2000;

/**
 * At start, one line for an engine whose socket refuses Berth's user (EACCES): the commonest
 * deployment mistake (compose without DOCKER_GID), named with the fix, not left to every request's 503.
 */
@Injectable()
export class EngineAccessCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('DockerHosts');

  constructor(private readonly hosts: DockerHosts) {}

  onApplicationBootstrap(): void {
    for (const engine of this.hosts.list()) void this.check(engine);
  }

  private async check(engine: Engine): Promise<void> {
    try {
      await engine.ping(START_PING_MS);
    } catch (error) {
      if (error instanceof ProblemException && error.code === 'ENGINE_PERMISSION_DENIED') {
        this.logger.error(permissionLine(engine.host.id, engine.host.url));
      }
    }
  }
}

/** `host local: the engine's socket /var/run/docker.sock refuses Berth (uid 1000, groups 1000) — it belongs to gid 999 (mode 660); ...` */
export function permissionLine(hostId: string, url: string, who = currentUser(), socket = socketFacts(url)): string {
  const path = url.replace(/^unix:\/\//, '');
  const owner = socket ? `; it belongs to gid ${socket.gid} (mode ${socket.mode})` : '';
  const fix = socket ? ` (here: DOCKER_GID=${socket.gid})` : '';
  return (
    `host ${hostId}: the engine's socket ${path} refuses Berth (EACCES; Berth runs as uid ${who.uid}, groups ${who.groups.join(',')})${owner}: ` +
    `${ENGINE_PERMISSION_FIX}${fix}; every engine call answers 503 ENGINE_PERMISSION_DENIED until then`
  );
}

function currentUser(): { uid: number | string; groups: Array<number | string> } {
  return { uid: process.getuid?.() ?? '?', groups: process.getgroups?.() ?? ['?'] };
}

function socketFacts(url: string): { gid: number; mode: string } | undefined {
  if (!url.startsWith('unix://')) return undefined;
  try {
    const stat = statSync(url.slice('unix://'.length));
    return { gid: stat.gid, mode: (stat.mode & 0o777).toString(8) };
  } catch {
    return undefined;
  }
}
