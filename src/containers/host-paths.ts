import { Injectable } from '@nestjs/common';
import { lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import type { BindSourceCheck } from './mount-rules.js';

/** What lstat finds at a host path: a symlink is reported as such, never followed. */
export type HostPathKind = 'missing' | 'symlink' | 'other';

/**
 * The host's filesystem as the bind checks read it (a port, so unit tests fake it). Berth sees it directly when
 * it runs beside the engine, or through BERTH_HOST_ROOT, a read-only view of the host mounted into its container
 * (DOCKER_HOST's host only: never another host record's).
 */
export abstract class HostPaths {
  /** Whether paths can be read at all: a view is configured, or the engine is local and Berth is not in its container. */
  abstract canSee(engineUrl: string, berthInEngineContainer: boolean): boolean;
  abstract lstat(path: string): Promise<HostPathKind>;
}

@Injectable()
export class LocalHostPaths extends HostPaths {
  private readonly root: string | undefined;
  private readonly localEngineUrl: string;

  constructor(config: AppConfig) {
    super();
    this.root = config.hostRoot;
    this.localEngineUrl = config.dockerHost;
  }

  canSee(engineUrl: string, berthInEngineContainer: boolean): boolean {
    // The view is of the host around Berth, whose engine is DOCKER_HOST (a socket proxy's tcp:// too); another
    // host's paths may be anything there (a directory in the view, a symlink to / on the host the engine mounts).
    if (this.root) return engineUrl === this.localEngineUrl;
    // A tcp:// engine's host, or the host around Berth's own container, is not the filesystem Berth reads.
    return engineUrl.startsWith('unix://') && !berthInEngineContainer;
  }

  async lstat(path: string): Promise<HostPathKind> {
    try {
      const stats = await lstat(this.root ? posix.join(this.root, path) : path);
      return stats.isSymbolicLink() ? 'symlink' : 'other';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
      throw error;
    }
  }
}

/**
 * Checks a bind source component by component from its allowed root down: each must exist and none may be a
 * symlink, since the engine follows symlinks again at every start. The root itself is the admin's, taken as is.
 */
export async function checkBindSource(paths: HostPaths, root: string, source: string): Promise<BindSourceCheck> {
  const normalRoot = posix.normalize(root);
  if ((await paths.lstat(normalRoot)) === 'missing') return { source, state: 'missing', at: normalRoot };
  let current = normalRoot;
  for (const part of posix.relative(normalRoot, posix.normalize(source)).split('/').filter(Boolean)) {
    current = posix.join(current, part);
    const kind = await paths.lstat(current);
    if (kind !== 'other') return { source, state: kind, at: current };
  }
  return { source, state: 'ok' };
}
