import { ROLES, type Role, lowerRole, roleAllows } from './access.decorators.js';

/** A role a grant gives on the hosts it matches; `none` hides them. */
export const GRANT_ROLES = ['none', ...ROLES] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

/** A host id glob: the characters of a host id, and `*` for any run of them (`staging-*`, `*`). */
export const HOST_GLOB_PATTERN = /^[a-z0-9*][a-z0-9*-]{0,62}$/;
/** A host label `key=value`, matched exactly (`env=prod`). */
export const HOST_LABEL_PATTERN = /^[A-Za-z0-9._/-]{1,128}=\S{0,128}$/;

/** A user's role on the hosts whose id matches `host` (a glob), or that carry the label `label` (`key=value`): exactly one of the two. */
export interface HostGrant {
  host?: string;
  label?: string;
  role: GrantRole;
}

/** What a grant is matched against: a host's id and labels. */
export type GrantedHost = { id: string; labels?: Record<string, string> };

/**
 * Whether a host id matches a glob (`*` any run of characters, nothing else special). Linear in the glob
 * times the id: a key's owner writes its globs, and a regular expression of 60 `*` backtracked for
 * seconds to forever on every request.
 */
export function hostGlobMatches(glob: string, hostId: string): boolean {
  let g = 0;
  let h = 0;
  // The last `*` seen and where in the id its run ends for now: a mismatch lets it take one more character.
  let star = -1;
  let resume = 0;
  while (h < hostId.length) {
    if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = h;
    } else if (g < glob.length && glob[g] === hostId[h]) {
      g++;
      h++;
    } else if (star >= 0) {
      g = star + 1;
      h = ++resume;
    } else return false;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

export function grantMatches(grant: HostGrant, host: GrantedHost): boolean {
  if (grant.host !== undefined) return hostGlobMatches(grant.host, host.id);
  if (grant.label === undefined) return false;
  const at = grant.label.indexOf('=');
  const key = grant.label.slice(0, at);
  return Object.hasOwn(host.labels ?? {}, key) && host.labels![key] === grant.label.slice(at + 1);
}

/**
 * The role the grants give on `host`: the highest among the grants that match it (`none` the lowest),
 * `none` when all that match say `none`; undefined when none matches (the global role applies).
 */
export function grantedRole(grants: readonly HostGrant[], host: GrantedHost): GrantRole | undefined {
  let best: GrantRole | undefined;
  for (const grant of grants) {
    if (grantMatches(grant, host) && (best === undefined || GRANT_ROLES.indexOf(grant.role) > GRANT_ROLES.indexOf(best))) best = grant.role;
  }
  return best;
}

/** Who asks, as far as hosts go: the global role, the user's grants, and an API key's own role and hosts. */
export interface HostScope {
  /** The global role (a key's: already capped by its owner's global role). */
  role: Role;
  /** The user's grants (a key: its owner's). */
  hostGrants?: readonly HostGrant[];
  /** A key's own role, which caps its owner's role on every host. */
  keyRole?: Role;
  /** A key restricted to hosts: id globs; any other host is invisible to it. */
  keyHosts?: readonly string[];
}

/**
 * The caller's role on a host; undefined when the host is invisible to them. In order: a key restricted
 * to hosts sees only those; grants that match the host replace the global role there (the highest wins,
 * `none` hides the host); a key's role caps whatever its owner has.
 */
export function hostRole(scope: HostScope, host: GrantedHost): Role | undefined {
  if (scope.keyHosts && !scope.keyHosts.some((glob) => hostGlobMatches(glob, host.id))) return undefined;
  const granted = grantedRole(scope.hostGrants ?? [], host);
  if (granted === undefined) return scope.role;
  if (granted === 'none') return undefined;
  return scope.keyRole === undefined ? granted : lowerRole(scope.keyRole, granted);
}

/** Whether every host is visible to the caller whatever its id or labels: no key restriction, no `none` grant. */
export function seesEveryHost(scope: HostScope): boolean {
  return !scope.keyHosts && !(scope.hostGrants ?? []).some((grant) => grant.role === 'none');
}

/** The highest role a user has anywhere: their global role or a grant's. What their API keys may ask for at most. */
export function highestRole(role: Role, grants: readonly HostGrant[]): Role {
  return grants.reduce<Role>((best, { role: granted }) => (granted !== 'none' && roleAllows(granted, best) ? granted : best), role);
}
