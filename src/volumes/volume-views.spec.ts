import { describe, expect, it } from 'vitest';
import { toVolume, volumeFilters, volumeSizes, volumeUsers } from './volume-views.js';
import { VolumeNamePipe } from './volume-name.pipe.js';

const container = (Id: string, name: string, mounts: Array<{ Type: string; Name?: string }>) =>
  ({ Id, Names: [`/${name}`], State: 'running', Mounts: mounts }) as never;

describe('volumeUsers', () => {
  it('maps each named volume to the containers that mount it, once each, binds and others aside', () => {
    const users = volumeUsers([
      container('c1', 'web', [{ Type: 'volume', Name: 'data' }, { Type: 'volume', Name: 'data' }, { Type: 'bind' }]),
      container('c2', 'db', [{ Type: 'volume', Name: 'data' }, { Type: 'volume', Name: 'logs' }, { Type: 'tmpfs' }]),
    ]);
    expect(users.get('data')).toEqual([
      { id: 'c1', name: 'web', state: 'running' },
      { id: 'c2', name: 'db', state: 'running' },
    ]);
    expect(users.get('logs')).toEqual([{ id: 'c2', name: 'db', state: 'running' }]);
    expect([...users.keys()].sort()).toEqual(['data', 'logs']);
  });
});

describe('volumeSizes', () => {
  it.each([
    [{ Size: 42, RefCount: 1 }, 42],
    [{ Size: 0, RefCount: 0 }, 0],
    [{ Size: -1, RefCount: -1 }, null],
    [null, null],
  ])('maps usage %j to %j', (UsageData, size) => {
    expect(volumeSizes({ Volumes: [{ Name: 'v', UsageData }] }).get('v')).toBe(size);
  });

  it('knows no size when there is no disk usage', () => {
    expect(volumeSizes(undefined).size).toBe(0);
  });
});

describe('toVolume', () => {
  const engine = {
    Name: 'nfs',
    Driver: 'local',
    Scope: 'local',
    Mountpoint: '/var/lib/docker/volumes/nfs/_data',
    CreatedAt: '2026-11-26T10:00:00Z',
    Labels: null as never,
    Options: { type: 'cifs', o: 'username=u,password=secret' },
  } as const;

  it.each([
    [false, { type: 'cifs', o: 'username=u,password=secret' }],
    [true, { type: '<redacted>', o: '<redacted>' }],
  ])('redact=%s shows options %j', (redact, options) => {
    expect(toVolume(engine, [], 7, redact)).toEqual({
      name: 'nfs',
      driver: 'local',
      scope: 'local',
      mountpoint: '/var/lib/docker/volumes/nfs/_data',
      createdAt: '2026-11-26T10:00:00Z',
      labels: {},
      options,
      usedBy: [],
      sizeBytes: 7,
    });
  });
});

describe('volumeFilters', () => {
  it.each([
    [{}, {}],
    [{ dangling: true }, { dangling: ['true'] }],
    [
      { dangling: false, label: ['a=b'], name: ['pg'], driver: ['local'] },
      { dangling: ['false'], label: ['a=b'], name: ['pg'], driver: ['local'] },
    ],
    [{ label: [] }, {}],
  ])('maps %j to %j', (query, filters) => {
    expect(volumeFilters(query)).toEqual(filters);
  });
});

describe('VolumeNamePipe', () => {
  const pipe = new VolumeNamePipe();
  it.each(['pgdata', 'a1', 'my_vol.2-x', 'f'.repeat(64)])('accepts %s', (name) => {
    expect(pipe.transform(name)).toBe(name);
  });
  it.each(['a', '-x', '.x', '../etc', 'a/b', 'a b', 'a?b', '', 'x'.repeat(256)])('refuses %j with 400 naming name', (name) => {
    expect(() => pipe.transform(name)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
