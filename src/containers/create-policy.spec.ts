import { describe, expect, it } from 'vitest';
import {
  CreatePolicyOptions,
  CreatePolicyRequest,
  DEFAULT_ENGINE_SOCKETS,
  PolicyRule,
  createPolicyViolations,
  decideCreatePolicy,
} from './create-policy.js';
import {
  BindSourceCheck,
  MountedVolume,
  allowedRootOf,
  bindSourceViolations,
  bindSources,
  namedVolumes,
  volumeViolations,
} from './mount-rules.js';

const options: CreatePolicyOptions = { allowedBindRoots: ['/srv/data'], engineSockets: DEFAULT_ENGINE_SOCKETS };
/** The gathered facts of a harmless request: every bind source checked and fine, every volume plain and local. */
const harmless = (request: CreatePolicyRequest): CreatePolicyRequest => ({
  bindSources: bindSources(request).map((source): BindSourceCheck => ({ source, state: 'ok' })),
  volumes: namedVolumes(request).map((name): MountedVolume => ({ name, exists: true, driver: 'local', options: null, berthVolume: false })),
  ...request,
});
const rules = (request: CreatePolicyRequest, opts = options): PolicyRule[] =>
  createPolicyViolations(harmless(request), opts).map((v) => v.rule);

describe('create policy', () => {
  it('finds nothing in an ordinary docker run', () => {
    expect(
      rules({
        network: 'bridge',
        pidMode: 'container:other',
        joined: [{ ref: 'other', violations: [] }],
        ipcMode: 'private',
        binds: ['/srv/data/app:/app:ro', 'cache:/cache', '/scratch'],
        mounts: [{ type: 'volume', source: 'db' }, { type: 'tmpfs' }, { type: 'bind', source: '/srv/data' }],
        securityOpt: ['no-new-privileges', 'no-new-privileges:true'],
        capAdd: [],
        devices: [],
        restartPolicy: { name: 'no' },
      }),
    ).toEqual([]);
    expect(rules({ binds: ['cache:/cache'], mounts: [{ type: 'tmpfs' }], restartPolicy: { name: 'unless-stopped' } })).toEqual([]);
  });

  it.each<[string, Parameters<typeof createPolicyViolations>[0], PolicyRule]>([
    ['privileged', { privileged: true }, 'privileged'],
    ['host PID namespace', { pidMode: 'host' }, 'host-pid'],
    ['host IPC namespace', { ipcMode: 'host' }, 'host-ipc'],
    ['host network', { network: 'host' }, 'host-network'],
    ['host UTS namespace', { utsMode: 'host' }, 'host-uts'],
    [
      'joining a privileged container',
      { pidMode: 'container:admin-box', joined: [{ ref: 'admin-box', violations: [{ rule: 'privileged', detail: 'p' }] }] },
      'joins-privileged-container',
    ],
    [
      'joining a host-network container',
      { network: 'container:edge', joined: [{ ref: 'edge', violations: [{ rule: 'host-network', detail: 'h' }] }] },
      'joins-privileged-container',
    ],
    [
      'joining a container with a bind',
      { pidMode: 'container:box', joined: [{ ref: 'box', violations: [{ rule: 'bind-outside-allowed-roots', detail: 'b' }] }] },
      'joins-privileged-container',
    ],
    ['a network the engine resolves to the host network', { network: '6f2853', networkDriver: 'host' }, 'host-network'],
    [
      'a host-driver network among networks',
      {
        networks: [
          { name: 'backend', driver: 'bridge' },
          { name: '6f2853', driver: 'host' },
        ],
      },
      'host-network',
    ],
    ['host named in networks', { networks: [{ name: 'host' }] }, 'host-network'],
    ['a device cgroup rule', { deviceCgroupRules: ['b *:* rwm'] }, 'device-cgroup-rules'],
    ['the host user namespace', { usernsMode: 'host' }, 'host-userns'],
    ['a device', { devices: [{ pathOnHost: '/dev/sda' }] }, 'devices'],
    ['an added capability', { capAdd: ['NET_ADMIN'] }, 'cap-add'],
    ['seccomp=unconfined', { securityOpt: ['seccomp=unconfined'] }, 'seccomp-unconfined'],
    ['seccomp:unconfined (old syntax)', { securityOpt: ['seccomp:unconfined'] }, 'seccomp-unconfined'],
    ['apparmor=unconfined', { securityOpt: ['apparmor=unconfined'] }, 'apparmor-unconfined'],
    ['a custom seccomp profile', { securityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }, 'security-opt'],
    ['systempaths=unconfined', { securityOpt: ['systempaths=unconfined'] }, 'security-opt'],
    ['label=disable', { securityOpt: ['label=disable'] }, 'security-opt'],
    ['a restart policy with a bind', { binds: ['/srv/data/app:/app'], restartPolicy: { name: 'always' } }, 'bind-restart-policy'],
    [
      'a restart policy with a bind mount',
      { mounts: [{ type: 'bind', source: '/srv/data' }], restartPolicy: { name: 'on-failure' } },
      'bind-restart-policy',
    ],
  ])('names the rule for %s', (_name, request, rule) => {
    expect(rules(request)).toEqual([rule]);
  });

  it('names the joined container and what makes it root in the detail', () => {
    const [found] = createPolicyViolations(
      { pidMode: 'container:box', joined: [{ ref: 'box', violations: [{ rule: 'docker-socket', detail: 'bind of /' }] }] },
      options,
    );
    expect(found.detail).toContain('box');
    expect(found.detail).toContain('docker-socket: bind of /');
  });

  it('keeps a network on another driver, or an unknown one, as it is', () => {
    expect(rules({ network: 'backend', networkDriver: 'bridge' })).toEqual([]);
    expect(rules({ network: 'backend' })).toEqual([]);
    expect(rules({ networks: [{ name: 'backend', driver: 'bridge' }, { name: 'lan', driver: 'macvlan' }, { name: 'new' }] })).toEqual([]);
  });

  it('denies the docker socket in the binds and the mounts form, and any directory above it', () => {
    const all = { allowedBindRoots: ['/'], engineSockets: DEFAULT_ENGINE_SOCKETS };
    expect(rules({ binds: ['/var/run/docker.sock:/var/run/docker.sock'] }, all)).toEqual(['docker-socket']);
    expect(rules({ mounts: [{ type: 'bind', source: '/run/docker.sock' }] }, all)).toEqual(['docker-socket']);
    expect(rules({ binds: ['/var/run:/host-run:ro'] }, all)).toEqual(['docker-socket']);
    expect(rules({ binds: ['/:/host'] }, all)).toEqual(['docker-socket']);
    expect(rules({ binds: ['/run/containerd/containerd.sock:/c.sock'] }, all)).toEqual(['docker-socket']);
    expect(rules({ binds: ['/srv/../var/run/docker.sock:/d.sock'] }, all)).toEqual(['docker-socket']);
    expect(rules({ binds: ['/var/runner:/x'] }, all)).toEqual([]);
  });

  it('allows binds only under the allowed roots, by whole path segments', () => {
    expect(rules({ binds: ['/srv/data:/d', '/srv/data/x/y:/e'] })).toEqual([]);
    expect(rules({ binds: ['/srv/data2:/d'] })).toEqual(['bind-outside-allowed-roots']);
    expect(rules({ binds: ['/srv/data/../../etc:/etc2'] })).toEqual(['bind-outside-allowed-roots']);
    expect(rules({ mounts: [{ type: 'bind', source: '/etc' }] })).toEqual(['bind-outside-allowed-roots']);
    expect(rules({ binds: ['/srv/data:/d'] }, { ...options, allowedBindRoots: [] })).toEqual(['bind-outside-allowed-roots']);
  });

  it.each<[string, BindSourceCheck['state'], PolicyRule]>([
    ['a source that does not exist (the engine would create it, following symlinks)', 'missing', 'bind-source-missing'],
    ['a symlink anywhere from the allowed root down', 'symlink', 'bind-symlink'],
    ['a host Berth cannot see (in a container without BERTH_HOST_ROOT)', 'unverifiable', 'bind-unverifiable'],
  ])('denies a bind under an allowed root with %s', (_name, state, rule) => {
    const bindSources = [{ source: '/srv/data/esc', state, at: '/srv/data/esc' }];
    expect(rules({ binds: ['/srv/data/esc:/x'], bindSources })).toEqual([rule]);
    expect(rules({ mounts: [{ type: 'bind', source: '/srv/data/esc' }], bindSources })).toEqual([rule]);
    expect(bindSourceViolations(bindSources[0])[0].detail).toContain('/srv/data/esc');
  });

  it.each<[string, string, PolicyRule[]]>([
    ['the data dir itself', '/srv/data/berth', ['berth-volume']],
    ['a file in it (the JWT secret)', '/srv/data/berth/jwt-secret', ['berth-volume']],
    ['a directory above it', '/srv/data', ['berth-volume']],
    ['a neighbour', '/srv/data/berth2', []],
  ])("denies a bind of Berth's data directory (when it lies under an allowed root): %s", (_name, source, expected) => {
    expect(rules({ binds: [`${source}:/x`] }, { ...options, berthPaths: ['/srv/data/berth'] })).toEqual(expected);
  });

  it('treats a bind source under an allowed root that was not checked as unverifiable, and checks none outside', () => {
    expect(createPolicyViolations({ binds: ['/srv/data/app:/app'] }, options).map((v) => v.rule)).toEqual(['bind-unverifiable']);
    expect(createPolicyViolations({ binds: ['/etc:/e'] }, options).map((v) => v.rule)).toEqual(['bind-outside-allowed-roots']);
  });

  const volume = (fields: Partial<MountedVolume>): MountedVolume => ({
    name: 'vol',
    exists: true,
    driver: 'local',
    options: null,
    berthVolume: false,
    ...fields,
  });
  it.each<[string, MountedVolume, PolicyRule[]]>([
    ['a plain local volume', volume({}), []],
    ['a volume that does not exist yet (created plain by the engine)', volume({ exists: false, driver: undefined }), []],
    ['a local volume with harmless options', volume({ options: { size: '1G' } }), []],
    [
      'a local bind volume (type=none, o=bind, device=/outside)',
      volume({ options: { type: 'none', o: 'bind', device: '/outside' } }),
      ['volume-driver-options'],
    ],
    ['a local NFS volume', volume({ options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' } }), ['volume-driver-options']],
    ['a local volume on a device', volume({ options: { device: '/dev/sda1' } }), ['volume-driver-options']],
    ['a plugin driver not on the allowlist', volume({ driver: 'local-persist' }), ['volume-driver']],
    ['a plugin driver on the allowlist', volume({ driver: 'rexray/ebs' }), []],
    ["Berth's own data volume", volume({ berthVolume: true }), ['berth-volume']],
    ["Berth's volume, not created yet", volume({ berthVolume: true, exists: false }), ['berth-volume']],
  ])('volume rule: %s', (_name, mounted, expected) => {
    expect(volumeViolations(mounted, ['rexray/ebs']).map((v) => v.rule)).toEqual(expected);
    expect(rules({ binds: ['vol:/a'], volumes: [mounted] }, { ...options, allowedVolumeDrivers: ['rexray/ebs'] })).toEqual(expected);
    expect(
      rules({ mounts: [{ type: 'volume', source: 'vol' }], volumes: [mounted] }, { ...options, allowedVolumeDrivers: ['rexray/ebs'] }),
    ).toEqual(expected);
  });

  it('denies a named volume that was not inspected, and never asks about anonymous ones', () => {
    expect(createPolicyViolations({ binds: ['vol:/a'] }, options).map((v) => v.rule)).toEqual(['volume-driver']);
    expect(createPolicyViolations({ binds: ['/a'], mounts: [{ type: 'volume' }, { type: 'tmpfs' }] }, options)).toEqual([]);
  });

  it.each<[string, Pick<CreatePolicyRequest, 'binds' | 'mounts'>, string[], string[]]>([
    ['binds', { binds: ['/srv/x:/x', 'vol:/v:ro', '/anon', 'vol:/again'] }, ['/srv/x'], ['vol']],
    [
      'mounts',
      { mounts: [{ type: 'bind', source: '/srv/y' }, { type: 'volume', source: 'web' }, { type: 'volume' }, { type: 'tmpfs' }] },
      ['/srv/y'],
      ['web'],
    ],
  ])('finds the bind sources and named volumes of %s', (_name, request, sources, volumes) => {
    expect(bindSources(request)).toEqual(sources);
    expect(namedVolumes(request)).toEqual(volumes);
  });

  it.each<[string, string[], string | undefined]>([
    ['/srv/data/x', ['/srv/data'], '/srv/data'],
    ['/srv/data/x', ['/srv/data/x', '/srv/data/'], '/srv/data'],
    ['/srv/data2', ['/srv/data'], undefined],
    ['/srv/data/../../etc', ['/srv/data'], undefined],
    ['/anything', ['/'], '/'],
  ])('allowedRootOf(%s, %j) is the outermost root, lexically', (path, roots, root) => {
    expect(allowedRootOf(path, roots)).toBe(root);
  });

  it('reports every violation, with a detail naming what was asked', () => {
    const found = createPolicyViolations({ privileged: true, capAdd: ['SYS_ADMIN', 'NET_ADMIN'], binds: ['/etc:/e'] }, options);
    expect(found.map((v) => v.rule)).toEqual(['privileged', 'cap-add', 'cap-add', 'bind-outside-allowed-roots']);
    expect(found[2].detail).toContain('NET_ADMIN');
    expect(found[3].detail).toContain('/etc');
  });

  it('denies an operator, a viewer and an unknown caller, and lets an admin through as an exception', () => {
    const request = { privileged: true };
    expect(decideCreatePolicy(request, 'operator', options).outcome).toBe('deny');
    expect(decideCreatePolicy(request, 'viewer', options).outcome).toBe('deny');
    expect(decideCreatePolicy(request, undefined, options).outcome).toBe('deny');
    expect(decideCreatePolicy(request, 'admin', options)).toEqual({
      outcome: 'exception',
      violations: [expect.objectContaining({ rule: 'privileged' })],
    });
    expect(decideCreatePolicy({}, 'operator', options)).toEqual({ outcome: 'allow', violations: [] });
  });
});
