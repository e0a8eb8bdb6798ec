import { describe, expect, it } from 'vitest';
import { createPolicyViolations } from '../containers/create-policy.js';
import type { EngineServiceSpec } from '../docker/engine-services.js';
import type { ServiceCreateDto } from './dto/service-create.dto.js';
import { pinServiceNetworks, servicePolicyRequest, toServiceSpec, withChanges, withMountVolumeOptions } from './service-spec.js';

const OPTIONS = { allowedBindRoots: ['/srv/data'], engineSockets: ['/var/run/docker.sock'] };
const base = (container: Partial<EngineServiceSpec['TaskTemplate']['ContainerSpec']> = {}, task: object = {}): EngineServiceSpec => ({
  Name: 'web',
  TaskTemplate: { ContainerSpec: { Image: 'app:1', ...container }, ...task },
  Mode: { Replicated: { Replicas: 2 } },
});

describe('toServiceSpec', () => {
  it('maps the request onto the engine spec', () => {
    const dto: ServiceCreateDto = {
      name: 'web',
      image: 'app:1',
      cmd: ['sh', '-c', 'echo hi'],
      entrypoint: ['/bin/sh'],
      env: ['A=1'],
      labels: { team: 'a' },
      containerLabels: { tier: 'front' },
      replicas: 3,
      ports: [{ target: 80, published: 8080 }],
      mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: true }],
      networks: ['backend'],
      constraints: ['node.role==manager'],
      resources: { limits: { cpus: 0.5, memoryBytes: 67108864 }, reservations: { cpus: 0.25 } },
      updateConfig: { parallelism: 1, delaySeconds: 2, failureAction: 'rollback', monitorSeconds: 5, order: 'start-first' },
      capDrop: ['NET_RAW'],
      workingDir: '/srv',
      user: '1000',
    };
    expect(toServiceSpec(dto)).toEqual({
      Name: 'web',
      Labels: { team: 'a' },
      Mode: { Replicated: { Replicas: 3 } },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'app:1',
          Args: ['sh', '-c', 'echo hi'],
          Command: ['/bin/sh'],
          Env: ['A=1'],
          Labels: { tier: 'front' },
          Dir: '/srv',
          User: '1000',
          CapabilityDrop: ['NET_RAW'],
          Mounts: [{ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true }],
        },
        Networks: [{ Target: 'backend' }],
        Placement: { Constraints: ['node.role==manager'] },
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 67108864 }, Reservations: { NanoCPUs: 250_000_000 } },
      },
      EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp', PublishMode: 'ingress' }] },
      UpdateConfig: { Parallelism: 1, Delay: 2e9, FailureAction: 'rollback', Monitor: 5e9, Order: 'start-first' },
    });
  });

  it.each([
    [{ mode: 'global' as const }, { Global: {} }],
    [{}, { Replicated: { Replicas: 1 } }],
  ])('mode %j → %j', (mode, expected) => {
    expect(toServiceSpec({ name: 'web', image: 'app:1', ...mode }).Mode).toEqual(expected);
  });
});

describe('withChanges', () => {
  it('replaces only what the request gives, keeps the rest (the engine’s defaults too), and never mutates the current spec', () => {
    const current = base({ Env: ['A=1'], Isolation: 'default' }, { ForceUpdate: 0, Placement: { Constraints: ['x==y'], MaxReplicas: 2 } });
    const frozen = structuredClone(current);
    const next = withChanges(current, { image: 'app:2', replicas: 5, constraints: ['node.role==worker'] });
    expect(current).toEqual(frozen);
    expect(next.TaskTemplate.ContainerSpec).toEqual({ Image: 'app:2', Env: ['A=1'], Isolation: 'default' });
    expect(next.Mode).toEqual({ Replicated: { Replicas: 5 } });
    expect(next.TaskTemplate.Placement).toEqual({ Constraints: ['node.role==worker'], MaxReplicas: 2 });
    expect(next.TaskTemplate.ForceUpdate).toBe(0);
  });
});

describe('servicePolicyRequest, judged by the create policy', () => {
  it.each([
    ['a plain service', base(), []],
    [
      'a bind outside the allowed roots',
      base({ Mounts: [{ Type: 'bind', Source: '/etc', Target: '/x' }] }),
      ['bind-restart-policy', 'bind-outside-allowed-roots'],
    ],
    [
      'a bind under an allowed root: the orchestrator restarts tasks unchecked',
      base({ Mounts: [{ Type: 'bind', Source: '/srv/data/a', Target: '/x' }] }),
      ['bind-restart-policy', 'bind-unverifiable'],
    ],
    [
      'the engine socket',
      base({ Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s' }] }),
      ['bind-restart-policy', 'docker-socket', 'bind-outside-allowed-roots'],
    ],
    ['the host network', base({}, { Networks: [{ Target: 'host' }] }), ['host-network']],
    ['an added capability', base({ CapabilityAdd: ['SYS_ADMIN'] }), ['cap-add']],
    ['a dropped capability', base({ CapabilityDrop: ['NET_RAW'] }), []],
    ['SELinux labels off (a spec made elsewhere)', base({ Privileges: { SELinuxContext: { Disable: true } } }), ['security-opt']],
    ['seccomp off (API 1.44, a spec made elsewhere)', base({ Privileges: { Seccomp: { Mode: 'unconfined' } } }), ['seccomp-unconfined']],
    ['a custom seccomp profile', base({ Privileges: { Seccomp: { Mode: 'custom', Profile: 'e30=' } } }), ['security-opt']],
    ['the default seccomp profile', base({ Privileges: { Seccomp: { Mode: 'default' } } }), []],
    ['AppArmor off (API 1.44)', base({ Privileges: { AppArmor: { Mode: 'disabled' } } }), ['apparmor-unconfined']],
    ['no new privileges (API 1.46): it only takes away', base({ Privileges: { NoNewPrivileges: true } }), []],
    ['a tmpfs', base({ Mounts: [{ Type: 'tmpfs', Target: '/t' }] }), []],
    ['an unknown named volume (not inspected)', base({ Mounts: [{ Type: 'volume', Source: 'data', Target: '/d' }] }), ['volume-driver']],
  ])('%s', (_what, spec, rules) => {
    expect(createPolicyViolations(servicePolicyRequest(spec), OPTIONS).map((v) => v.rule)).toEqual(rules);
  });
});

describe('withMountVolumeOptions', () => {
  it('judges a volume mount’s driver configuration as the volume the node would create', () => {
    const spec = base({
      Mounts: [
        {
          Type: 'volume',
          Source: 'root',
          Target: '/r',
          VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } },
        },
        { Type: 'volume', Source: 'plain', Target: '/p' },
      ] as EngineServiceSpec['TaskTemplate']['ContainerSpec']['Mounts'],
    });
    const volumes = withMountVolumeOptions(spec, [
      { name: 'root', exists: false, berthVolume: false },
      { name: 'plain', exists: false, berthVolume: false },
    ]);
    const request = { ...servicePolicyRequest(spec), volumes };
    expect(createPolicyViolations(request, OPTIONS).map((v) => v.rule)).toEqual(['volume-driver-options']);
  });

  it('judges an anonymous volume mount’s driver configuration too (no source: a volume per task)', () => {
    const spec = base({
      Mounts: [
        {
          Type: 'volume',
          Target: '/h',
          VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } },
        },
        { Type: 'volume', Target: '/plain' },
      ] as EngineServiceSpec['TaskTemplate']['ContainerSpec']['Mounts'],
    });
    const request = servicePolicyRequest(spec);
    // Looked up on the manager, the name is missing: withMountVolumeOptions says what the node would create.
    const looked = (request.mounts ?? []).flatMap((m) => (m.source ? [{ name: m.source, exists: false, berthVolume: false }] : []));
    expect(looked).toHaveLength(1);
    const volumes = withMountVolumeOptions(spec, looked);
    expect(createPolicyViolations({ ...request, volumes }, OPTIONS).map((v) => v.rule)).toEqual(['volume-driver-options']);
  });
});

describe('pinServiceNetworks', () => {
  it('puts the judged ids in place of the names', () => {
    const spec = base({}, { Networks: [{ Target: 'backend' }, { Target: 'gone' }] });
    const pinned = pinServiceNetworks(spec, [{ name: 'backend', id: 'n1' }, { name: 'gone' }]);
    expect(pinned.TaskTemplate.Networks).toEqual([{ Target: 'n1' }, { Target: 'gone' }]);
  });
});

describe('null parts (what @IsOptional lets through)', () => {
  it.each(['mounts', 'networks', 'ports', 'resources', 'updateConfig', 'rollbackConfig', 'env', 'image', 'replicas'])(
    '%s: null keeps that part as it is',
    (field) => {
      const current = base({ Env: ['A=1'] });
      expect(withChanges(current, { [field]: null } as never)).toEqual(current);
    },
  );
});
