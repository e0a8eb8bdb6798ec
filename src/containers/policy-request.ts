import type { EngineContainerInspect } from '../docker/engine-types.js';
import { parseBind } from './binds.js';
import type { CreatePolicyRequest, JoinedContainer } from './create-policy.js';

/** Network modes the engine knows without looking a network up. */
const NETWORK_MODES = new Set(['default', 'bridge', 'none', 'host']);

/** Whether `network` names a network the engine must look up (a name, an id or an id prefix) rather than a mode. */
export function namesNetwork(network: string | undefined): network is string {
  return Boolean(network) && !NETWORK_MODES.has(network!) && !network!.startsWith('container:');
}

/** The containers whose namespaces a request joins: `container:<ref>` in its network, pid, ipc or uts mode. */
export function joinedRefs(request: CreatePolicyRequest): string[] {
  const modes = [request.network, request.pidMode, request.ipcMode, request.utsMode];
  return [
    ...new Set(
      modes.filter((mode): mode is string => Boolean(mode?.startsWith('container:'))).map((mode) => mode.slice('container:'.length)),
    ),
  ];
}

/** The modes a create may join a container with (`utsMode` takes only `host`). */
type JoinModes = Pick<CreatePolicyRequest, 'network' | 'pidMode' | 'ipcMode'>;

/**
 * `container:<name>` → `container:<id>` of the container the policy judged: the engine then joins that one,
 * whatever an operator renames between the check and the create (a pull from a slow registry holds it open).
 */
export function pinJoins<T extends JoinModes>(request: T, joined: ReadonlyArray<Pick<JoinedContainer, 'ref' | 'id'>>): T {
  const pin = (mode: string | undefined) => {
    const id = mode?.startsWith('container:') ? joined.find((target) => target.ref === mode.slice('container:'.length))?.id : undefined;
    return id ? `container:${id}` : mode;
  };
  const pinned: JoinModes = { network: pin(request.network), pidMode: pin(request.pidMode), ipcMode: pin(request.ipcMode) };
  return { ...request, ...Object.fromEntries(Object.entries(pinned).filter(([, value]) => value !== undefined)) };
}

type NetworkChoice = Pick<CreatePolicyRequest, 'network' | 'networkId' | 'networks'>;

/**
 * The networks a create names → the full ids the policy judged: the engine would resolve a name or an id prefix
 * again at each start, perhaps to another network by then. Modes stay as they are.
 */
export function pinNetworks<T extends Pick<CreatePolicyRequest, 'network'> & { networks?: Array<{ name: string }> }>(
  request: T,
  judged: NetworkChoice,
): T {
  const pinned: Partial<T> = {};
  if (namesNetwork(request.network) && judged.networkId) pinned.network = judged.networkId;
  if (request.networks) {
    pinned.networks = request.networks.map((network, index) => {
      const id = judged.networks?.[index]?.name === network.name ? judged.networks[index].id : undefined;
      return id ? { ...network, name: id } : network;
    }) as T['networks'];
  }
  return { ...request, ...pinned };
}

/** The parts of an engine inspect the mapper reads. */
export type InspectForPolicy = Pick<EngineContainerInspect, 'HostConfig' | 'Mounts'>;

/**
 * An existing container as the create request that would make it, so that the create policy
 * judges it with every rule: what entering or joining it gives is what creating it would.
 */
export function policyRequestFromInspect(inspect: InspectForPolicy): CreatePolicyRequest {
  const host = inspect.HostConfig ?? {};
  const binds: string[] = host.Binds ?? [];
  // A volume mount without a source is an anonymous volume the engine made, maybe with driver options
  // (`--mount type=volume,dst=/h,volume-opt=device=/`): judged by the name the engine gave it.
  const anonymousName = (target: string) =>
    (inspect.Mounts ?? []).find((mounted) => mounted.Type === 'volume' && mounted.Destination === target)?.Name;
  const mounts = (host.Mounts ?? []).map((mount) => ({
    type: mount.Type,
    source: mount.Source || (mount.Type === 'volume' ? anonymousName(mount.Target) : undefined) || undefined,
  }));
  // What is mounted but not declared by its own binds and mounts (--volumes-from, a bind spelled in a way
  // Berth does not parse) counts too: the engine's mount list is the truth.
  const declared = new Set([
    ...binds.flatMap((spec) => {
      const bind = parseBind(spec);
      return typeof bind === 'string' ? [] : [bind.target];
    }),
    ...(host.Mounts ?? []).map((mount) => mount.Target),
  ]);
  const mounted = (inspect.Mounts ?? [])
    .filter((mount) => !declared.has(mount.Destination))
    .map((mount) => ({ type: mount.Type, source: (mount.Type === 'volume' ? mount.Name : mount.Source) || undefined }));

  const securityOpt: string[] = [...(host.SecurityOpt ?? [])];
  // `--security-opt systempaths=unconfined` reaches the engine as empty masked and read-only path lists.
  const unmasked = [host.MaskedPaths, host.ReadonlyPaths].some((paths) => Array.isArray(paths) && paths.length === 0);
  if (unmasked && !host.Privileged && !securityOpt.includes('systempaths=unconfined')) securityOpt.push('systempaths=unconfined');

  const mode = (value: string | undefined) => value || undefined;
  const request: CreatePolicyRequest = {
    privileged: Boolean(host.Privileged),
    pidMode: mode(host.PidMode),
    ipcMode: mode(host.IpcMode),
    utsMode: mode(host.UTSMode),
    usernsMode: mode(host.UsernsMode),
    network: mode(host.NetworkMode),
    devices: ((host.Devices ?? []) as Array<{ PathOnHost: string }>).map((device) => ({ pathOnHost: device.PathOnHost })),
    deviceCgroupRules: host.DeviceCgroupRules ?? [],
    capAdd: host.CapAdd ?? [],
    securityOpt,
    binds,
    mounts: [...mounts, ...mounted],
  };
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined)) as CreatePolicyRequest;
}
