import { describe, expect, it } from 'vitest';
import type { CreatePolicyRequest } from './create-policy.js';
import { InspectForPolicy, joinedRefs, namesNetwork, pinJoins, pinNetworks, policyRequestFromInspect } from './policy-request.js';

/** An inspect as the engine answers it for `docker run busybox` (defaults filled in), with `host` fields laid over. */
function inspect(host: Record<string, unknown> = {}, mounts: unknown[] = []): InspectForPolicy {
  return {
    HostConfig: {
      NetworkMode: 'default',
      PidMode: '',
      IpcMode: 'private',
      UTSMode: '',
      UsernsMode: '',
      Privileged: false,
      Binds: null,
      Mounts: undefined,
      CapAdd: null,
      Devices: [],
      DeviceCgroupRules: null,
      SecurityOpt: null,
      MaskedPaths: ['/proc/kcore', '/sys/firmware'],
      ReadonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
      ...host,
    },
    Mounts: mounts,
  } as unknown as InspectForPolicy;
}

const ordinary: CreatePolicyRequest = {
  privileged: false,
  ipcMode: 'private',
  network: 'default',
  devices: [],
  deviceCgroupRules: [],
  capAdd: [],
  securityOpt: [],
  binds: [],
  mounts: [],
};

describe('policyRequestFromInspect', () => {
  it.each<[string, InspectForPolicy, Partial<CreatePolicyRequest>]>([
    ['an ordinary container', inspect(), {}],
    ['privileged', inspect({ Privileged: true }), { privileged: true }],
    [
      'host namespaces',
      inspect({ PidMode: 'host', IpcMode: 'host', UTSMode: 'host', NetworkMode: 'host', UsernsMode: 'host' }),
      { pidMode: 'host', ipcMode: 'host', utsMode: 'host', network: 'host', usernsMode: 'host' },
    ],
    ['joins', inspect({ PidMode: 'container:abc', NetworkMode: 'container:def' }), { pidMode: 'container:abc', network: 'container:def' }],
    ['a network by id', inspect({ NetworkMode: '6f2853521667' }), { network: '6f2853521667' }],
    [
      'devices',
      inspect({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }),
      { devices: [{ pathOnHost: '/dev/sda' }] },
    ],
    ['device cgroup rules', inspect({ DeviceCgroupRules: ['b *:* rwm'] }), { deviceCgroupRules: ['b *:* rwm'] }],
    ['capabilities', inspect({ CapAdd: ['SYS_ADMIN'] }), { capAdd: ['SYS_ADMIN'] }],
    ['security options', inspect({ SecurityOpt: ['seccomp=unconfined'] }), { securityOpt: ['seccomp=unconfined'] }],
    [
      'systempaths=unconfined (empty masked paths)',
      inspect({ MaskedPaths: [], ReadonlyPaths: [] }),
      { securityOpt: ['systempaths=unconfined'] },
    ],
    ['empty read-only paths alone', inspect({ ReadonlyPaths: [] }), { securityOpt: ['systempaths=unconfined'] }],
    [
      'privileged without masked paths: privileged says it',
      inspect({ Privileged: true, MaskedPaths: [], ReadonlyPaths: [] }),
      { privileged: true },
    ],
    [
      'binds, not repeated from the mount list',
      inspect({ Binds: ['/:/host:ro', '/var/run/docker.sock:/var/run/docker.sock'] }, [
        { Type: 'bind', Source: '/', Destination: '/host', Mode: 'ro', RW: false },
        { Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: '', RW: true },
      ]),
      { binds: ['/:/host:ro', '/var/run/docker.sock:/var/run/docker.sock'] },
    ],
    [
      '--mount binds and volumes',
      inspect(
        {
          Mounts: [
            { Type: 'bind', Source: '/etc', Target: '/e' },
            { Type: 'volume', Source: 'data', Target: '/d' },
            { Type: 'tmpfs', Target: '/t' },
          ],
        },
        [
          { Type: 'bind', Source: '/etc', Destination: '/e' },
          { Type: 'volume', Name: 'data', Source: '/var/lib/docker/volumes/data/_data', Destination: '/d' },
          { Type: 'tmpfs', Source: '', Destination: '/t' },
        ],
      ),
      {
        mounts: [
          { type: 'bind', source: '/etc' },
          { type: 'volume', source: 'data' },
          { type: 'tmpfs', source: undefined },
        ],
      },
    ],
    [
      '--volumes-from: mounted, not declared',
      inspect({ VolumesFrom: ['admin-box'] }, [{ Type: 'bind', Source: '/etc', Destination: '/hostetc', Mode: '', RW: false }]),
      { mounts: [{ type: 'bind', source: '/etc' }] },
    ],
    [
      'a named volume bind and an image volume',
      inspect({ Binds: ['vol:/a'] }, [
        { Type: 'volume', Name: 'vol', Source: '/var/lib/docker/volumes/vol/_data', Destination: '/a' },
        { Type: 'volume', Name: '3f1c0ffee', Source: '/var/lib/docker/volumes/3f1c0ffee/_data', Destination: '/data' },
      ]),
      { binds: ['vol:/a'], mounts: [{ type: 'volume', source: '3f1c0ffee' }] },
    ],
    [
      'an anonymous volume with driver options (--mount type=volume,dst=/h,volume-opt=...): judged by the name the engine gave it',
      inspect(
        { Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'local', Options: { device: '/' } } } }] },
        [{ Type: 'volume', Name: '9a8b7c', Source: '/var/lib/docker/volumes/9a8b7c/_data', Destination: '/h' }],
      ),
      { mounts: [{ type: 'volume', source: '9a8b7c' }] },
    ],
    [
      'a bind spelled in a way Berth does not parse: the mount list tells',
      inspect({ Binds: ['/:/host:rbind,ro'] }, [{ Type: 'bind', Source: '/', Destination: '/host' }]),
      { binds: ['/:/host:rbind,ro'], mounts: [{ type: 'bind', source: '/' }] },
    ],
  ])('maps %s', (_name, given, expected) => {
    expect(policyRequestFromInspect(given)).toEqual({ ...ordinary, ...expected });
  });
});

describe('joinedRefs', () => {
  it.each<[CreatePolicyRequest, string[]]>([
    [{}, []],
    [{ network: 'bridge', pidMode: 'host', ipcMode: 'private' }, []],
    [{ pidMode: 'container:a' }, ['a']],
    [{ network: 'container:a', pidMode: 'container:a', ipcMode: 'container:b', utsMode: 'container:c' }, ['a', 'b', 'c']],
  ])('%j joins %j', (request, refs) => {
    expect(joinedRefs(request)).toEqual(refs);
  });
});

describe('pinJoins', () => {
  const judged = [
    { ref: 'web', id: 'aaaa' },
    { ref: 'db', id: 'bbbb' },
  ];
  it.each<[CreatePolicyRequest, CreatePolicyRequest]>([
    [{}, {}],
    [
      { network: 'bridge', pidMode: 'host', ipcMode: 'private' },
      { network: 'bridge', pidMode: 'host', ipcMode: 'private' },
    ],
    [{ pidMode: 'container:web' }, { pidMode: 'container:aaaa' }],
    [
      { network: 'container:web', pidMode: 'container:db', ipcMode: 'container:web' },
      { network: 'container:aaaa', pidMode: 'container:bbbb', ipcMode: 'container:aaaa' },
    ],
    // Nothing judged under that name (a create that fails at the engine anyway): left as asked.
    [{ pidMode: 'container:other' }, { pidMode: 'container:other' }],
    [
      { network: 'backend', privileged: false },
      { network: 'backend', privileged: false },
    ],
  ])('%j → %j', (request, pinned) => {
    expect(pinJoins(request, judged)).toEqual(pinned);
  });
});

describe('namesNetwork', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['default', false],
    ['bridge', false],
    ['none', false],
    ['host', false],
    ['container:web', false],
    ['backend', true],
    ['6f2853', true],
  ])('%s → %s', (network, expected) => {
    expect(namesNetwork(network)).toBe(expected);
  });
});

describe('pinNetworks', () => {
  it.each<
    [string, { network?: string; networks?: Array<{ name: string; aliases?: string[] }> }, Parameters<typeof pinNetworks>[1], unknown]
  >([
    ['a mode stays', { network: 'bridge' }, { networkId: 'ffff' }, { network: 'bridge' }],
    ['a joined container stays', { network: 'container:web' }, {}, { network: 'container:web' }],
    ['a named network becomes its id', { network: 'back' }, { networkId: 'aaaa' }, { network: 'aaaa' }],
    ['a network the engine did not know stays (it refuses it)', { network: 'nope' }, {}, { network: 'nope' }],
    [
      'networks become their ids, aliases kept',
      { networks: [{ name: 'front', aliases: ['web'] }, { name: 'bb' }] },
      {
        networks: [
          { name: 'front', id: 'f1' },
          { name: 'bb', id: 'b1' },
        ],
      },
      { networks: [{ name: 'f1', aliases: ['web'] }, { name: 'b1' }] },
    ],
    [
      'an entry the policy did not judge is not pinned',
      { networks: [{ name: 'front' }] },
      { networks: [{ name: 'other', id: 'o1' }] },
      { networks: [{ name: 'front' }] },
    ],
  ])('%s', (_what, request, judged, pinned) => {
    expect(pinNetworks(request, judged)).toEqual(pinned);
  });
});
