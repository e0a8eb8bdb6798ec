import { describe, expect, it } from 'vitest';
import { CreatePolicyOptions, DEFAULT_ENGINE_SOCKETS, PolicyRule, createPolicyViolations, decideCreatePolicy } from './create-policy.js';

const options: CreatePolicyOptions = { allowedBindRoots: ['/srv/data'], engineSockets: DEFAULT_ENGINE_SOCKETS };
const rules = (request: Parameters<typeof createPolicyViolations>[0], opts = options): PolicyRule[] =>
  createPolicyViolations(request, opts).map((v) => v.rule);

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
      }),
    ).toEqual([]);
  });

  it.each<[string, Parameters<typeof createPolicyViolations>[0], PolicyRule]>([
    ['privileged', { privileged: true }, 'privileged'],
    ['host PID namespace', { pidMode: 'host' }, 'host-pid'],
    ['host IPC namespace', { ipcMode: 'host' }, 'host-ipc'],
    ['host network', { network: 'host' }, 'host-network'],
    ['host UTS namespace', { utsMode: 'host' }, 'host-uts'],
    ['joining a privileged container', { pidMode: 'container:admin-box', joined: [{ ref: 'admin-box', violations: [{ rule: 'privileged', detail: 'p' }] }] }, 'joins-privileged-container'],
    ['joining a host-network container', { network: 'container:edge', joined: [{ ref: 'edge', violations: [{ rule: 'host-network', detail: 'h' }] }] }, 'joins-privileged-container'],
    ['joining a container with a bind', { pidMode: 'container:box', joined: [{ ref: 'box', violations: [{ rule: 'bind-outside-allowed-roots', detail: 'b' }] }] }, 'joins-privileged-container'],
    ['a network the engine resolves to the host network', { network: '6f2853', networkDriver: 'host' }, 'host-network'],
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
  ])('names the rule for %s', (_name, request, rule) => {
    expect(rules(request)).toEqual([rule]);
  });

  it('names the joined container and what makes it root in the detail', () => {
    const [found] = createPolicyViolations({ pidMode: 'container:box', joined: [{ ref: 'box', violations: [{ rule: 'docker-socket', detail: 'bind of /' }] }] }, options);
    expect(found.detail).toContain('box');
    expect(found.detail).toContain('docker-socket: bind of /');
  });

  it('keeps a network on another driver, or an unknown one, as it is', () => {
    expect(rules({ network: 'backend', networkDriver: 'bridge' })).toEqual([]);
    expect(rules({ network: 'backend' })).toEqual([]);
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

  it('follows a symlink under an allowed root to where it leads', () => {
    const realpath = (path: string) => (path.startsWith('/srv/data/link') ? path.replace('/srv/data/link', '/var/run') : path);
    expect(rules({ binds: ['/srv/data/link/docker.sock:/s'] }, { ...options, realpath })).toEqual(['docker-socket', 'bind-outside-allowed-roots']);
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
    expect(decideCreatePolicy(request, 'admin', options)).toEqual({ outcome: 'exception', violations: [expect.objectContaining({ rule: 'privileged' })] });
    expect(decideCreatePolicy({}, 'operator', options)).toEqual({ outcome: 'allow', violations: [] });
  });
});
