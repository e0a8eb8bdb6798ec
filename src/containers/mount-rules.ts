import { posix } from 'node:path';
import { parseBind } from './binds.js';
import type { CreatePolicyRequest, PolicyViolation } from './create-policy.js';

// The create policy's rules on host files: what a bind source or a named volume may be for a non-admin.
// Pure, like the policy: MountFacts gathers what they read (volume inspects, lstat) beforehand.

/** A named volume a container mounts, read from the engine before the policy runs. */
export interface MountedVolume {
  name: string;
  /** false: the engine creates it at container create with the local driver and no options, which is harmless. */
  exists: boolean;
  driver?: string;
  options?: Record<string, string> | null;
  /** Berth's own data, or mounted into Berth's container, or listed in BERTH_PROTECTED_VOLUMES: admins only. */
  berthVolume: boolean;
}

/**
 * A bind source under an allowed root, checked on the host with lstat from the root down before the policy runs:
 * the engine follows symlinks at every start, so a source must exist and have no symlink below the root.
 */
export interface BindSourceCheck {
  source: string;
  /** unverifiable: Berth cannot see the host's filesystem (in a container without BERTH_HOST_ROOT, a tcp:// engine). */
  state: 'ok' | 'missing' | 'symlink' | 'unverifiable';
  /** The first path that is missing or a symlink. */
  at?: string;
}

/** What a checked bind source breaks; the same at create and at every start. */
export function bindSourceViolations(check: BindSourceCheck): PolicyViolation[] {
  switch (check.state) {
    case 'ok':
      return [];
    case 'missing':
      return [
        {
          rule: 'bind-source-missing',
          detail: `bind source ${check.source} does not exist (${check.at ?? check.source}); the engine would create it, following symlinks`,
        },
      ];
    case 'symlink':
      return [
        {
          rule: 'bind-symlink',
          detail: `bind source ${check.source} goes through the symlink ${check.at ?? check.source}, which the engine follows at every start`,
        },
      ];
    case 'unverifiable':
      return [
        {
          rule: 'bind-unverifiable',
          detail: `bind source ${check.source} cannot be checked: Berth cannot see the host's filesystem (set BERTH_HOST_ROOT)`,
        },
      ];
  }
}

/** Options of the local driver that mount something else than a fresh directory: another path (o=bind), NFS, a device. */
const HOST_REACHING_LOCAL_OPTIONS = ['device', 'o', 'type'];

/**
 * Whether a non-admin may mount a volume: the local driver without options that reach host paths, or an allowed
 * driver, and never Berth's own. Also the rule for a volume created with driver options (`POST /volumes`).
 */
export function volumeViolations(volume: MountedVolume, allowedVolumeDrivers: string[]): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  if (volume.berthVolume)
    found.push({ rule: 'berth-volume', detail: `volume ${volume.name} holds Berth's own data or is mounted into Berth's container` });
  if (!volume.exists) return found;
  const driver = volume.driver ?? 'local';
  const reaching = Object.keys(volume.options ?? {}).filter((key) => HOST_REACHING_LOCAL_OPTIONS.includes(key));
  if (driver === 'local' && reaching.length) {
    found.push({
      rule: 'volume-driver-options',
      detail: `volume ${volume.name} has local driver options ${reaching.join(', ')}, which can mount host paths`,
    });
  } else if (driver !== 'local' && !allowedVolumeDrivers.includes(driver)) {
    found.push({
      rule: 'volume-driver',
      detail: `volume ${volume.name} uses the driver ${driver}, which is not in BERTH_ALLOWED_VOLUME_DRIVERS`,
    });
  }
  return found;
}

/** The named volumes `-v name:/path` and `--mount type=volume,source=name` refer to (anonymous ones are new and plain). */
export function namedVolumes(request: Pick<CreatePolicyRequest, 'binds' | 'mounts'>): string[] {
  const names = [
    ...(request.binds ?? []).flatMap((spec) => {
      const bind = parseBind(spec);
      return typeof bind !== 'string' && bind.kind === 'volume' && bind.source ? [bind.source] : [];
    }),
    ...(request.mounts ?? []).flatMap((mount) => (mount.type === 'volume' && mount.source ? [mount.source] : [])),
  ];
  return [...new Set(names)];
}

/** The host paths `binds` and `mounts` bind. */
export function bindSources(request: Pick<CreatePolicyRequest, 'binds' | 'mounts'>): string[] {
  return [
    ...(request.binds ?? []).flatMap((spec) => {
      const bind = parseBind(spec);
      return typeof bind !== 'string' && bind.kind === 'bind' && bind.source ? [bind.source] : [];
    }),
    ...(request.mounts ?? []).flatMap((mount) => (mount.type === 'bind' && mount.source ? [mount.source] : [])),
  ];
}

/** The outermost allowed root a path lies in, lexically (nothing on disk is read), or undefined. */
export function allowedRootOf(path: string, allowedBindRoots: string[]): string | undefined {
  return allowedBindRoots
    .map(clean)
    .filter((root) => within(clean(path), root))
    .sort((a, b) => a.length - b.length)[0];
}

export function isUnderAllowedRoot(path: string, allowedBindRoots: string[]): boolean {
  return allowedRootOf(path, allowedBindRoots) !== undefined;
}

/** `/a/b/../c/` → `/a/c`: the policy compares what the engine will mount, not how it was spelled. */
export function clean(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** Whether `path` is `root` or lies below it (by whole path segments: /srv/data2 is not in /srv/data). */
export function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}
