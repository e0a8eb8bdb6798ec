import { describe, expect, it } from 'vitest';
import type { EngineContainerSummary, EngineImageSummary, EngineNetworkInspect, EngineVolume } from '../docker/engine-types.js';
import { parseLabelFilter } from './prune-filters.js';
import { DEFAULT_PRUNE_OPTIONS, PruneOptions, PruneSnapshot, isAnonymousVolume, planPrune, planTotals } from './prune-planner.js';

const HEX = (c: string) => c.repeat(64);
const DAY = 86_400;
const NOW_S = Date.parse('2026-11-26T12:00:00Z') / 1000;

function container(id: string, over: Partial<EngineContainerSummary> = {}): EngineContainerSummary {
  return {
    Id: id,
    Names: [`/${id}`],
    Image: 'app',
    ImageID: 'sha256:app',
    Command: 'sh',
    Created: NOW_S - 2 * DAY,
    Ports: [],
    Labels: {},
    State: 'exited',
    Status: 'Exited (0) 2 days ago',
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: { bridge: { NetworkID: 'net-bridge' } as never } },
    Mounts: [],
    ...over,
  };
}

function image(id: string, over: Partial<EngineImageSummary> = {}): EngineImageSummary {
  return {
    Id: id,
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: NOW_S - 2 * DAY,
    Size: 100,
    VirtualSize: 100,
    SharedSize: 40,
    Labels: {},
    Containers: 0,
    ...over,
  } as EngineImageSummary;
}

function network(id: string, name: string, over: Partial<EngineNetworkInspect> = {}): EngineNetworkInspect {
  return {
    Id: id,
    Name: name,
    Created: '2026-11-24T12:00:00Z',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigOnly: false,
    Labels: {},
    ...over,
  } as EngineNetworkInspect;
}

function volume(name: string, over: Partial<EngineVolume> = {}): EngineVolume {
  return {
    Name: name,
    Driver: 'local',
    Labels: {},
    Mountpoint: `/var/lib/docker/volumes/${name}/_data`,
    Scope: 'local',
    CreatedAt: '2026-11-24T12:00:00Z',
    ...over,
  } as EngineVolume;
}

function snapshot(over: Partial<PruneSnapshot> = {}): PruneSnapshot {
  return {
    containers: [],
    images: [],
    networks: [network('net-bridge', 'bridge'), network('net-host', 'host'), network('net-none', 'none')],
    volumes: [],
    diskUsage: {},
    apiVersion: '1.41',
    ...over,
  };
}

const opts = (over: Partial<PruneOptions> = {}): PruneOptions => ({ ...DEFAULT_PRUNE_OPTIONS, ...over });
const ids = (items: { kind: string; id: string }[]) => items.map((item) => `${item.kind}:${item.id}`);

describe('planPrune: containers', () => {
  it.each<[string, Partial<EngineContainerSummary>, boolean]>([
    ['exited', { State: 'exited' }, true],
    ['created', { State: 'created' }, true],
    ['dead', { State: 'dead' }, true],
    ['running', { State: 'running' }, false],
    ['paused', { State: 'paused' }, false],
    ['restarting', { State: 'restarting' }, false],
    ['protected', { Labels: { 'berth.protect': 'true' } }, false],
    ['protect label not true', { Labels: { 'berth.protect': 'no' } }, true],
  ])('%s', (_name, over, planned) => {
    expect(ids(planPrune(snapshot({ containers: [container('c1', over)] }), opts({ images: 'none' })))).toEqual(
      planned ? ['container:c1'] : [],
    );
  });

  it('not when containers: false', () => {
    expect(planPrune(snapshot({ containers: [container('c1')] }), opts({ containers: false, images: 'none' }))).toEqual([]);
  });

  it('sizes from disk usage', () => {
    const [item] = planPrune(
      snapshot({ containers: [container('c1')], diskUsage: { Containers: [{ Id: 'c1', SizeRw: 42, State: 'exited' }] } }),
      opts(),
    );
    expect(item).toMatchObject({ kind: 'container', name: 'c1', sizeBytes: 42 });
  });
});

describe('planPrune: cascade', () => {
  const used = (imageId: string, state = 'exited', labels: Record<string, string> = {}) =>
    container(`c-${imageId}-${state}`, {
      ImageID: imageId,
      State: state,
      Labels: labels,
      NetworkSettings: { Networks: { appnet: { NetworkID: 'net-app' } as never } },
      Mounts: [{ Type: 'volume', Name: HEX('a'), Source: '', Destination: '/d', Mode: '', RW: true, Propagation: '' }],
    });
  const world = (containers: EngineContainerSummary[]) =>
    snapshot({
      containers,
      images: [image('sha256:old')],
      networks: [...snapshot().networks, network('net-app', 'appnet')],
      volumes: [volume(HEX('a'))],
    });
  const all = opts({ volumes: 'anonymous' });

  it.each<[string, EngineContainerSummary[], string[]]>([
    [
      'a stopped user: its image, network and volume go with it',
      [used('sha256:old')],
      ['container:c-sha256:old-exited', 'network:net-app', `volume:${HEX('a')}`, 'image:sha256:old'],
    ],
    ['a running user keeps them all', [used('sha256:old', 'running')], []],
    [
      'a stopped user and a running one: only the stopped container',
      [used('sha256:old'), used('sha256:old', 'running')],
      ['container:c-sha256:old-exited'],
    ],
    ['a protected stopped user keeps them all', [used('sha256:old', 'exited', { 'berth.protect': 'true' })], []],
    ['no user: they are unused anyway', [], ['network:net-app', `volume:${HEX('a')}`, 'image:sha256:old']],
  ])('%s', (_name, containers, expected) => {
    expect(ids(planPrune(world(containers), all))).toEqual(expected);
  });

  it('says when an item is in only because planned containers go', () => {
    const items = planPrune(world([used('sha256:old')]), all);
    expect(items.find((i) => i.kind === 'network')?.reason).toBe('unused once the planned containers go');
    expect(items.find((i) => i.kind === 'image')?.reason).toBe('dangling, once the planned containers go');
  });

  it('a stopped user outside a label filter keeps what it uses', () => {
    const keep = { ...used('sha256:old'), Id: 'other', Labels: {} };
    const mine = { ...used('sha256:old'), Id: 'mine', Labels: { run: '1' } };
    const items = planPrune(world([keep, mine]), opts({ volumes: 'anonymous', labels: [parseLabelFilter('run=1')!] }));
    expect(ids(items)).toEqual(['container:mine']);
  });
});

describe('planPrune: images', () => {
  it.each<[string, Partial<EngineImageSummary>, PruneOptions['images'], boolean]>([
    ['dangling, default mode', { RepoTags: [] }, 'dangling', true],
    ['<none>:<none> is dangling', { RepoTags: ['<none>:<none>'] }, 'dangling', true],
    ['digest only is dangling', { RepoTags: null as never, RepoDigests: ['app@sha256:x'] }, 'dangling', true],
    ['tagged, default mode', { RepoTags: ['app:1'] }, 'dangling', false],
    ['tagged, all', { RepoTags: ['app:1'] }, 'all', true],
    ['none', { RepoTags: [] }, 'none', false],
    ['protected', { RepoTags: [], Labels: { 'berth.protect': 'true' } }, 'all', false],
  ])('%s', (_name, over, mode, planned) => {
    expect(planPrune(snapshot({ images: [image('sha256:i', over)] }), opts({ images: mode })).length).toBe(planned ? 1 : 0);
  });

  it('never one a container uses, running or not, planned or not when it stays', () => {
    const s = snapshot({
      images: [image('sha256:i', { RepoTags: ['app:1'] })],
      containers: [container('c', { ImageID: 'sha256:i', State: 'running' })],
    });
    expect(planPrune(s, opts({ images: 'all' }))).toEqual([]);
  });

  it("never Berth's own image", () => {
    expect(planPrune(snapshot({ images: [image('sha256:berth')], berthImage: 'sha256:berth' }), opts({ images: 'all' }))).toEqual([]);
  });

  it('sizes: the bytes it does not share, from disk usage first', () => {
    const s = snapshot({
      images: [image('sha256:a'), image('sha256:b')],
      diskUsage: { Images: [{ Id: 'sha256:b', Size: 500, SharedSize: 100, Containers: 0 }] },
    });
    expect(planPrune(s, opts()).map((i) => i.sizeBytes)).toEqual([60, 400]);
  });
});

describe('planPrune: networks', () => {
  it.each<[string, EngineNetworkInspect, boolean]>([
    ['unused user network', network('n', 'mine'), true],
    ['bridge', network('n', 'bridge'), false],
    ['host', network('n', 'host'), false],
    ['none', network('n', 'none'), false],
    ['with endpoints', network('n', 'mine', { Containers: { c: {} as never } }), false],
    ['swarm scope', network('n', 'mine', { Scope: 'swarm' }), false],
    ['protected', network('n', 'mine', { Labels: { 'berth.protect': 'true' } }), false],
  ])('%s', (_name, n, planned) => {
    expect(planPrune(snapshot({ networks: [n] }), opts()).length).toBe(planned ? 1 : 0);
  });

  it('one a staying container names (by name only, as a stopped one may) is used', () => {
    const c = container('c', { State: 'running', NetworkSettings: { Networks: { mine: { NetworkID: '' } as never } } });
    expect(planPrune(snapshot({ networks: [network('n', 'mine')], containers: [c] }), opts({ images: 'none' }))).toEqual([]);
  });
});

describe('planPrune: volumes', () => {
  const anonymous = volume(HEX('b'));
  const named = volume('data');
  it.each<[string, PruneOptions['volumes'], EngineVolume[], string[]]>([
    ['not asked: none', 'none', [anonymous, named], []],
    ['anonymous: only the 64-hex one', 'anonymous', [anonymous, named], [HEX('b')]],
    ['all: both', 'all', [anonymous, named], [HEX('b'), 'data']],
    ['protected stays', 'all', [volume('keep', { Labels: { 'berth.protect': 'true' } })], []],
    ['another driver stays', 'all', [volume('nfs', { Driver: 'nfs' })], []],
  ])('%s', (_name, mode, volumes, expected) => {
    expect(planPrune(snapshot({ volumes }), opts({ volumes: mode })).map((i) => i.id)).toEqual(expected);
  });

  it.each<[string, string, string, Record<string, string>, boolean]>([
    ['1.41: a 64-hex name', '1.41', HEX('c'), {}, true],
    ['1.41: the label alone is not enough', '1.41', 'data', { 'com.docker.volume.anonymous': '' }, false],
    ['1.42: the label', '1.42', 'data', { 'com.docker.volume.anonymous': '' }, true],
    ['1.43: a 64-hex name without the label is named', '1.43', HEX('c'), {}, false],
  ])('anonymous on %s', (_name, api, name, labels, expected) => {
    expect(isAnonymousVolume({ Name: name, Labels: labels }, api)).toBe(expected);
  });

  it('a volume used by a staying container stays', () => {
    const c = container('c', { State: 'running', Mounts: [{ Type: 'volume', Name: HEX('b') } as never] });
    expect(planPrune(snapshot({ volumes: [anonymous], containers: [c] }), opts({ volumes: 'all', images: 'none' }))).toEqual([]);
  });
});

describe('planPrune: filters', () => {
  const labelled = (id: string, labels: Record<string, string>) => container(id, { Labels: labels });
  const world = snapshot({
    containers: [
      labelled('a', { run: '1', tier: 'web' }),
      labelled('b', { run: '1', tier: 'db' }),
      labelled('c', { run: '2' }),
      labelled('d', {}),
    ],
  });
  it.each<[string, string[], string[]]>([
    ['k', ['run'], ['a', 'b', 'c']],
    ['k=v', ['run=1'], ['a', 'b']],
    ['k!=v', ['run!=1'], ['c', 'd']],
    ['ANDed', ['run=1', 'tier!=db'], ['a']],
  ])('labels %s', (_name, labels, expected) => {
    const items = planPrune(world, opts({ images: 'none', networks: false, labels: labels.map((l) => parseLabelFilter(l)!) }));
    expect(items.map((i) => i.id)).toEqual(expected);
  });

  it('until keeps what is newer', () => {
    const s = snapshot({ containers: [container('old', { Created: NOW_S - 3 * DAY }), container('new', { Created: NOW_S - 60 })] });
    const until = BigInt(NOW_S - DAY) * 1_000_000_000n;
    expect(planPrune(s, opts({ until })).map((i) => i.id)).toEqual(['old']);
  });

  it('build cache: records not in use, none when filtered by label', () => {
    const s = snapshot({
      diskUsage: {
        BuildCache: [
          { ID: 'r1', Size: 10, InUse: false, Shared: false, Description: 'RUN make' },
          { ID: 'r2', Size: 20, InUse: true, Shared: false },
        ],
      },
    });
    expect(planPrune(s, opts()).map((i) => [i.id, i.name, i.sizeBytes])).toEqual([['r1', 'RUN make', 10]]);
    expect(planPrune(s, opts({ labels: [parseLabelFilter('a')!] }))).toEqual([]);
    expect(planPrune(s, opts({ buildCache: false }))).toEqual([]);
  });
});

describe('planTotals', () => {
  it('counts and sums per kind', () => {
    const totals = planTotals([
      { kind: 'container', id: 'a', name: 'a', sizeBytes: 1, reason: '' },
      { kind: 'image', id: 'b', name: 'b', sizeBytes: 10, reason: '' },
      { kind: 'image', id: 'c', name: 'c', sizeBytes: 100, reason: '' },
    ]);
    expect(totals).toMatchObject({
      count: 3,
      reclaimableBytes: 111,
      byKind: { container: { count: 1, reclaimableBytes: 1 }, image: { count: 2, reclaimableBytes: 110 }, volume: { count: 0 } },
    });
  });
});
