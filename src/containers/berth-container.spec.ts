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
  const engineOf = (volumes: string[]) =>
    ({
      host: { id: 'h1', name: 'h1', url: 'tcp://10.0.0.2:2376' },
      inspectContainer: vi.fn(() => Promise.resolve({ Image: 'sha256:berth', Mounts: volumes.map((Name) => ({ Type: 'volume', Name })) })),
    }) as unknown as Engine & { inspectContainer: ReturnType<typeof vi.fn> };

  it('asks each engine once; a host reconnected elsewhere (a new engine, the same id) is asked again', async () => {
    const finder = new BerthContainer();
    // As if Berth ran in a container: the id the engines are asked about.
    (finder as unknown as { id: string }).id = id;
    const before = engineOf([]);
    const after = engineOf(['berth-data']);
    expect(await finder.on(before)).toEqual({ inContainer: true, volumes: [], image: 'sha256:berth' });
    expect(await finder.on(before)).toEqual({ inContainer: true, volumes: [], image: 'sha256:berth' });
    expect(before.inspectContainer).toHaveBeenCalledTimes(1);
    expect((await finder.on(after)).volumes).toEqual(['berth-data']);
  });
});
