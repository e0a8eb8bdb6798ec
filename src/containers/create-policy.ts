import { posix } from 'node:path';
import type { Role } from '../common/access.decorators.js';
import { parseBind } from './binds.js';

/**
 * The create policy: a non-admin may not make a container that is root on the host. Each rule
 * names one way out of the container; the DTO offers nothing else that could be one (no
 * sysctls, userns, cgroupns, volume driver options), so the list is complete for what Berth takes.
 * The same rules judge existing containers (exec, attach, commit, joins) from their inspect, made
 * by Berth or not: `device-cgroup-rules` and `host-userns` only come from there.
 */
export const POLICY_RULES = [
  'privileged',
  'host-pid',
  'host-ipc',
  'host-network',
  'host-uts',
  'devices',
  'cap-add',
  'seccomp-unconfined',
  'apparmor-unconfined',
  'security-opt',
  'docker-socket',
  'bind-outside-allowed-roots',
  'joins-privileged-container',
  'device-cgroup-rules',
  'host-userns',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

export interface PolicyViolation {
  rule: PolicyRule;
  detail: string;
}

/** The parts of a create request the policy reads. */
export interface CreatePolicyRequest {
  privileged?: boolean;
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  network?: string;
  /** The driver of the network `network` names, as the engine resolved it (a name, an id or an id prefix). */
  networkDriver?: string;
  devices?: Array<{ pathOnHost: string }>;
  capAdd?: string[];
  securityOpt?: string[];
  binds?: string[];
  mounts?: Array<{ type: string; source?: string }>;
  /** `--device-cgroup-rule`: lets the container open host devices it creates with mknod. Not offered by create; read from inspect. */
  deviceCgroupRules?: string[];
  /** `--userns host`: real root when the engine remaps users. Not offered by create; read from inspect. */
  usernsMode?: string;
  /** The containers whose namespaces `container:<name>` modes join, as the engine has them. */
  joined?: JoinedContainer[];
}

/** A container another one joins (`network: container:web`): joining it shares what it has. */
export interface JoinedContainer {
  ref: string;
  /** Its own configuration judged by this policy (its joins followed to the end of the chain); none: an ordinary container. */
  violations: PolicyViolation[];
}

export interface CreatePolicyOptions {
  /** Host directories a non-admin may bind from (normalised, absolute); none means no binds. */
  allowedBindRoots: string[];
  /** Engine sockets on the host; binding one, or a directory above one, hands out the engine. */
  engineSockets: string[];
  /** Where a host path really leads (symlinks), when Berth can see the host's filesystem. */
  realpath?: (path: string) => string;
}

export interface PolicyDecision {
  violations: PolicyViolation[];
  /** allow: nothing to see; exception: an admin may, and it is audited; deny: 403. */
  outcome: 'allow' | 'exception' | 'deny';
}

/** Sockets that give root on the host to whoever can talk to them. */
export const DEFAULT_ENGINE_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/var/run/containerd/containerd.sock'];

/** Security options a non-admin may set: they only take privileges away. */
const SAFE_SECURITY_OPTS = /^no-new-privileges([:=](true|false))?$/;

export function decideCreatePolicy(request: CreatePolicyRequest, role: Role | undefined, options: CreatePolicyOptions): PolicyDecision {
  const violations = createPolicyViolations(request, options);
  if (violations.length === 0) return { violations, outcome: 'allow' };
  return { violations, outcome: role === 'admin' ? 'exception' : 'deny' };
}

export function createPolicyViolations(request: CreatePolicyRequest, options: CreatePolicyOptions): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  const add = (rule: PolicyRule, detail: string) => found.push({ rule, detail });

  if (request.privileged) add('privileged', 'privileged containers have every capability and every device of the host');
  if (request.pidMode === 'host') add('host-pid', "pidMode 'host' shares the host's process namespace");
  if (request.ipcMode === 'host') add('host-ipc', "ipcMode 'host' shares the host's IPC namespace");
  if (request.network === 'host') add('host-network', "network 'host' shares the host's network stack");
  else if (request.networkDriver === 'host') add('host-network', `network '${request.network}' is the host network; it shares the host's network stack`);
  if (request.utsMode === 'host') add('host-uts', "utsMode 'host' shares the host's hostname namespace");
  for (const device of request.devices ?? []) add('devices', `device ${device.pathOnHost}`);
  for (const capability of request.capAdd ?? []) add('cap-add', `capability ${capability}`);
  for (const option of request.securityOpt ?? []) {
    const [key, value] = splitSecurityOpt(option);
    if (key === 'seccomp' && value === 'unconfined') add('seccomp-unconfined', 'seccomp=unconfined turns off the syscall filter');
    else if (key === 'apparmor' && value === 'unconfined') add('apparmor-unconfined', 'apparmor=unconfined turns off the AppArmor profile');
    else if (!SAFE_SECURITY_OPTS.test(option)) add('security-opt', `security option '${key}' (custom profiles and labels can lift confinement)`);
  }

  if (request.usernsMode === 'host') add('host-userns', "usernsMode 'host' runs as the host's root where the engine remaps users");
  for (const rule of request.deviceCgroupRules ?? []) add('device-cgroup-rules', `device cgroup rule '${rule}' opens host devices`);

  for (const target of request.joined ?? []) {
    if (target.violations.length === 0) continue;
    const what = target.violations.map((v) => `${v.rule}: ${v.detail}`).join('; ');
    add('joins-privileged-container', `container ${target.ref} is root on the host (${what}); joining its namespaces shares that`);
  }

  const hostPaths = [
    ...(request.binds ?? []).flatMap((spec) => {
      const bind = parseBind(spec);
      return typeof bind !== 'string' && bind.kind === 'bind' && bind.source ? [bind.source] : [];
    }),
    ...(request.mounts ?? []).flatMap((mount) => (mount.type === 'bind' && mount.source ? [mount.source] : [])),
  ];
  for (const path of hostPaths) {
    const seen = new Set([clean(path), ...(options.realpath ? [clean(options.realpath(path))] : [])]);
    const sockets = [...seen].flatMap((candidate) => options.engineSockets.filter((socket) => within(socket, candidate)));
    if (sockets.length > 0) add('docker-socket', `bind of ${path} exposes the engine socket ${sockets[0]}`);
    if (![...seen].every((candidate) => options.allowedBindRoots.some((root) => within(candidate, clean(root))))) {
      const roots = options.allowedBindRoots.length ? options.allowedBindRoots.join(', ') : 'none are allowed';
      add('bind-outside-allowed-roots', `bind of ${path} is outside the allowed bind roots (${roots})`);
    }
  }
  return found;
}

/** `seccomp=unconfined` and the older `seccomp:unconfined` alike. */
function splitSecurityOpt(option: string): [string, string] {
  const at = option.search(/[=:]/);
  return at === -1 ? [option, ''] : [option.slice(0, at), option.slice(at + 1)];
}

/** `/a/b/../c/` → `/a/c`: the policy compares what the engine will mount, not how it was spelled. */
function clean(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** Whether `path` is `root` or lies below it (by whole path segments: /srv/data2 is not in /srv/data). */
function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}
