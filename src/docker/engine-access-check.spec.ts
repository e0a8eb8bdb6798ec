import { describe, expect, it } from 'vitest';
import { permissionLine } from './engine-access-check.js';

describe('permissionLine', () => {
  const who = { uid: 1000, groups: [1000, 27] };

  it.each([
    [
      'a unix socket Berth could stat: its group, and the DOCKER_GID to set',
      'unix:///var/run/docker.sock',
      { gid: 999, mode: '660' },
      [
        /socket \/var\/run\/docker\.sock refuses Berth \(EACCES; Berth runs as uid 1000, groups 1000,27\); it belongs to gid 999 \(mode 660\)/,
        /here: DOCKER_GID=999/,
      ],
    ],
    [
      'a socket Berth cannot stat: the fix without a number',
      'unix:///run/user/docker.sock',
      undefined,
      [/^(?!.*here:).*set DOCKER_GID to it/],
    ],
  ])('%s', (_case, url, socket, expected) => {
    const line = permissionLine('local', url, who, socket);
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^host local: /);
    expect(line).toMatch(/stat -c %g/);
    expect(line).toMatch(/503 ENGINE_PERMISSION_DENIED/);
    for (const pattern of expected) expect(line).toMatch(pattern);
  });
});
