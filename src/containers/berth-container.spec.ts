import { AppConfig } from '../config/app-config.js';
import { describe, expect, it, vi } from 'vitest';
import type { Engine } from '../docker/engine.js';
import { BerthContainer, ownContainerId } from './berth-container.js';

const id = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);

describe('ownContainerId', () => {
  it.each<[string, string[], string | undefined]>([
    [
      'mountinfo of a Docker container (cgroup v2)',
      [`612 598 254:0 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`, '0::/'],
      id,
    ],
    ['cgroup v1 of a Docker container', ['', `12:memory:/docker/${id}\n0::/`], id],
    ['a systemd cgroup scope', ['', `0::/system.slice/docker-${id}.scope`], id],
    [
      'a process on the host (or a sandbox that only looks like a container)',
      ['42 27 254:0 /var/lib/docker /var/lib/docker rw - ext4 /dev/vda rw', '0::/\n4:memory:/process_api/8ccc1e27b92578cb0ec10e3adac2b28d'],
      undefined,
    ],
    ['nothing readable', ['', ''], undefined],
  ])('%s', (_name, files, expected) => {
    expect(ownContainerId(...files)).toBe(expected);
  });
});

describe('BerthContainer', () => {
  const engineOf = (volumes: string[], binds: Array<[string, string]> = []) =>
    ({
      host: { id: 'h1', name: 'h1', url: 'tcp://10.0.0.2:2376' },
      inspectContainer: vi.fn(() =>
        Promise.resolve({
          Id: id,
          Image: 'sha256:berth',
          Mounts: [
            ...volumes.map((Name) => ({ Type: 'volume', Name, Destination: `/v/${Name}` })),
            ...binds.map(([Source, Destination]) => ({ Type: 'bind', Source, Destination })),
          ],
        }),
      ),
    }) as unknown as Engine & { inspectContainer: ReturnType<typeof vi.fn> };

  /** As if Berth ran in a container: the id the engines are asked about. */
  const inContainer = (dataDir = '/data') => {
    const finder = new BerthContainer(new AppConfig({ dataDir }));
    (finder as unknown as { id: string }).id = id;
    return finder;
  };

  it('asks each engine once; a host reconnected elsewhere (a new engine, the same id) is asked again', async () => {
    const finder = inContainer();
    const before = engineOf([]);
    const after = engineOf(['berth-data']);
    const found = { inContainer: true, id, volumes: [], dataSources: [], networks: [], image: 'sha256:berth' };
    expect(await finder.on(before)).toEqual(found);
    expect(await finder.on(before)).toEqual(found);
    expect(before.inspectContainer).toHaveBeenCalledTimes(1);
    expect((await finder.on(after)).volumes).toEqual(['berth-data']);
  });

  it('finds the networks its container is on, but the default bridge', async () => {
    const engine = engineOf([]);
    engine.inspectContainer.mockResolvedValue({
      Id: id,
      Mounts: [],
      NetworkSettings: { Networks: { bridge: { NetworkID: 'b-id' }, berth_default: { NetworkID: 'n-id' } } },
    });
    expect((await inContainer().on(engine)).networks).toEqual(['n-id']);
  });

  it('finds the host paths bound where Berth keeps its data, not its other binds (the socket, a host view)', async () => {
    const binds: Array<[string, string]> = [
      ['/srv/berth', '/data'],
      ['/srv/data', '/host/srv/data'],
      ['/var/run/docker.sock', '/var/run/docker.sock'],
      ['/srv/other', '/database'],
    ];
    expect((await inContainer().on(engineOf([], binds))).dataSources).toEqual(['/srv/berth']);
    // A file of the data dir bound on its own.
    expect((await inContainer().on(engineOf([], [['/srv/berth.db', '/data/berth.db']]))).dataSources).toEqual(['/srv/berth.db']);
    // A data dir below a bound directory: that directory holds it.
    expect((await inContainer('/var/lib/berth/data').on(engineOf([], [['/srv/lib', '/var/lib']]))).dataSources).toEqual(['/srv/lib']);
  });
});
