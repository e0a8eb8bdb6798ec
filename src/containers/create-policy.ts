import type { Role } from '../common/access.decorators.js';
import {
  BindSourceCheck,
  MountedVolume,
  bindSourceViolations,
  bindSources,
  clean,
  isUnderAllowedRoot,
  namedVolumes,
  volumeViolations,
  within,
} from './mount-rules.js';

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
  'bind-source-missing',
  'bind-symlink',
  'bind-unverifiable',
  'volume-driver',
  'volume-driver-options',
  'berth-volume',
  'berth-container',
  'exception-mount',
  'device-cgroup-rules',
  'host-userns',
  'bind-restart-policy',
  'network-driver',
  'network-driver-options',
  'network-ipam',
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
  /** The full id of the network `network` names, as the engine resolved it: the create uses it, not a prefix re-resolved at each start. */
  networkId?: string;
  /** `networks`: user networks to join, the first as `network`; `driver` and `id` as the engine resolved them (see gatherPolicyInputs). */
  networks?: Array<{ name: string; id?: string; driver?: string }>;
  devices?: Array<{ pathOnHost: string }>;
  capAdd?: string[];
  securityOpt?: string[];
  binds?: string[];
  mounts?: Array<{ type: string; source?: string }>;
  /**
   * `--restart`: the engine restarts the container by itself, mounting its bind sources again without Berth's check.
   * Read from a create request only (Berth offers no `docker update`): an existing container is judged by its binds.
   */
  restartPolicy?: { name: string };
  /** `--device-cgroup-rule`: lets the container open host devices it creates with mknod. Not offered by create; read from inspect. */
  deviceCgroupRules?: string[];
  /** `--userns host`: real root when the engine remaps users. Not offered by create; read from inspect. */
  usernsMode?: string;
  /** The containers whose namespaces `container:<name>` modes join, as the engine has them. */
  joined?: JoinedContainer[];
  /** The named volumes of `binds` and `mounts`, as the engine has them (see MountFacts); one missing here is denied. */
  volumes?: MountedVolume[];
  /** What the host's filesystem says of each bind source under an allowed root (see MountFacts); one missing here is denied. */
  bindSources?: BindSourceCheck[];
  /** The host paths bound where Berth keeps its data on this engine, when it runs in one of its containers (see MountFacts). */
  berthDataSources?: string[];
  /** Set when the container judged is Berth's own (an existing one, from inspect): it holds Berth's secrets. */
  isBerth?: boolean;
  /** The ids of the networks Berth's own container is on (see MountFacts.berthNetworks). */
  berthNetworks?: string[];
  /** Its named volumes and bind sources that a policy exception mounts too (see ContainerPolicy.sharedWithExceptions). */
  sharedWithExceptions?: SharedMount[];
}

/** A volume or bind source another container mounts, that container being a policy exception. */
export interface SharedMount {
  /** The volume's name or the bind source. */
  mount: string;
  /** The exception's name. */
  container: string;
}

/** A container another one joins (`network: container:web`): joining it shares what it has. */
export interface JoinedContainer {
  ref: string;
  /** The engine's id of the container judged: a create joins it by id (see pinJoins), so a rename meanwhile changes nothing. */
  id?: string;
  /** Its own configuration judged by this policy (its joins followed to the end of the chain); none: an ordinary container. */
  violations: PolicyViolation[];
}

export interface CreatePolicyOptions {
  /** Host directories a non-admin may bind from (normalised, absolute); none means no binds. */
  allowedBindRoots: string[];
  /** Engine sockets on the host; binding one, or a directory above one, hands out the engine. */
  engineSockets: string[];
  /** Volume drivers besides `local` that cannot reach host paths (BERTH_ALLOWED_VOLUME_DRIVERS). */
  allowedVolumeDrivers?: string[];
  /** Berth's data directory (its database and JWT secret): a bind of it, or of a directory above it, is admins' only. */
  berthPaths?: string[];
}

export interface PolicyDecision {
  violations: PolicyViolation[];
  /** allow: nothing to see; exception: an admin may, and it is audited; deny: 403. */
  outcome: 'allow' | 'exception' | 'deny';
}

/** Sockets that give root on the host to whoever can talk to them. */
export const DEFAULT_ENGINE_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/var/run/containerd/containerd.sock',
];

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

  if (request.isBerth) add('berth-container', "Berth's own container holds its secrets (its environment, its data) and reaches the engine");
  if (request.privileged) add('privileged', 'privileged containers have every capability and every device of the host');
  const berthNetworks = request.berthNetworks ?? [];
  for (const network of [{ name: request.network, id: request.networkId }, ...(request.networks ?? [])]) {
    if (network.id && berthNetworks.includes(network.id))
      add('berth-container', `network '${network.name}' is one Berth's own container is on: through it, Berth reaches its engine`);
  }
  for (const shared of request.sharedWithExceptions ?? [])
    add(
      'exception-mount',
      `${shared.mount} is mounted by the policy exception ${shared.container}: what is written there, it reads as root`,
    );
  if (request.pidMode === 'host') add('host-pid', "pidMode 'host' shares the host's process namespace");
  if (request.ipcMode === 'host') add('host-ipc', "ipcMode 'host' shares the host's IPC namespace");
  if (request.network === 'host') add('host-network', "network 'host' shares the host's network stack");
  else if (request.networkDriver === 'host')
    add('host-network', `network '${request.network}' is the host network; it shares the host's network stack`);
  for (const network of request.networks ?? []) {
    if (network.name === 'host' || network.driver === 'host')
      add('host-network', `network '${network.name}' is the host network; it shares the host's network stack`);
  }
  if (request.utsMode === 'host') add('host-uts', "utsMode 'host' shares the host's hostname namespace");
  for (const device of request.devices ?? []) add('devices', `device ${device.pathOnHost}`);
  for (const capability of request.capAdd ?? []) add('cap-add', `capability ${capability}`);
  for (const option of request.securityOpt ?? []) {
    const [key, value] = splitSecurityOpt(option);
    if (key === 'seccomp' && value === 'unconfined') add('seccomp-unconfined', 'seccomp=unconfined turns off the syscall filter');
    else if (key === 'apparmor' && value === 'unconfined') add('apparmor-unconfined', 'apparmor=unconfined turns off the AppArmor profile');
    else if (!SAFE_SECURITY_OPTS.test(option))
      add('security-opt', `security option '${key}' (custom profiles and labels can lift confinement)`);
  }

  if (request.usernsMode === 'host') add('host-userns', "usernsMode 'host' runs as the host's root where the engine remaps users");
  for (const rule of request.deviceCgroupRules ?? []) add('device-cgroup-rules', `device cgroup rule '${rule}' opens host devices`);

  for (const target of request.joined ?? []) {
    if (target.violations.length === 0) continue;
    const what = target.violations.map((v) => `${v.rule}: ${v.detail}`).join('; ');
    add('joins-privileged-container', `container ${target.ref} is root on the host (${what}); joining its namespaces shares that`);
  }

  const hostPaths = bindSources(request);
  const restart = request.restartPolicy?.name;
  if (hostPaths.length && restart && restart !== 'no') {
    // The watcher stops such a restart only after the container's command has run with what a planted symlink reached.
    add(
      'bind-restart-policy',
      `restart policy '${restart}' would let the engine start it again without Berth's check of its bind sources, following any symlink planted meanwhile; use 'no' with binds`,
    );
  }
  for (const path of hostPaths) {
    const socket = options.engineSockets.find((candidate) => within(candidate, clean(path)));
    if (socket) add('docker-socket', `bind of ${path} exposes the engine socket ${socket}`);
    const berthPath = [...(options.berthPaths ?? []), ...(request.berthDataSources ?? [])].find(
      (candidate) => within(clean(candidate), clean(path)) || within(clean(path), clean(candidate)),
    );
    if (berthPath) add('berth-volume', `bind of ${path} exposes Berth's data directory ${berthPath}`);
    if (!isUnderAllowedRoot(path, options.allowedBindRoots)) {
      const roots = options.allowedBindRoots.length ? options.allowedBindRoots.join(', ') : 'none are allowed';
      add('bind-outside-allowed-roots', `bind of ${path} is outside the allowed bind roots (${roots})`);
    } else {
      found.push(
        ...bindSourceViolations(request.bindSources?.find((check) => check.source === path) ?? { source: path, state: 'unverifiable' }),
      );
    }
  }

  for (const name of namedVolumes(request)) {
    const volume = request.volumes?.find((candidate) => candidate.name === name);
    if (volume) found.push(...volumeViolations(volume, options.allowedVolumeDrivers ?? []));
    else add('volume-driver', `volume ${name} was not inspected, so its driver is unknown`);
  }
  return found;
}

/** `seccomp=unconfined` and the older `seccomp:unconfined` alike. */
function splitSecurityOpt(option: string): [string, string] {
  const at = option.search(/[=:]/);
  return at === -1 ? [option, ''] : [option.slice(0, at), option.slice(at + 1)];
}
