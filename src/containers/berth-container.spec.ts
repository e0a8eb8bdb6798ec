import { describe, expect, it } from 'vitest';
import { ownContainerId } from './berth-container.js';

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
