import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfig } from '../config/app-config.js';
import type { BindSourceCheck } from './mount-rules.js';
import { HostPathKind, LocalHostPaths, checkBindSource } from './host-paths.js';
import { FakeHostPaths } from './host-paths.testing.js';

/** A host as a table of paths; anything not listed is missing. */
const tableHost = (kinds: Record<string, HostPathKind>) => new FakeHostPaths(kinds, 'missing');

const host = {
  '/srv/data': 'symlink',
  '/srv/data/app': 'other',
  '/srv/data/app/conf': 'other',
  '/srv/data/esc': 'symlink',
  '/srv/data/app/link': 'symlink',
} as const;

describe('checkBindSource', () => {
  it.each<[string, string, BindSourceCheck]>([
    ['the root itself (the admin may make it a symlink)', '/srv/data', { source: '/srv/data', state: 'ok' }],
    ['a directory below it', '/srv/data/app/conf', { source: '/srv/data/app/conf', state: 'ok' }],
    ['a symlink right below the root', '/srv/data/esc', { source: '/srv/data/esc', state: 'symlink', at: '/srv/data/esc' }],
    ['a path through a symlink', '/srv/data/esc/etc/shadow', { source: '/srv/data/esc/etc/shadow', state: 'symlink', at: '/srv/data/esc' }],
    ['a symlink as the last component', '/srv/data/app/link', { source: '/srv/data/app/link', state: 'symlink', at: '/srv/data/app/link' }],
    ['a path that does not exist yet', '/srv/data/new/dir', { source: '/srv/data/new/dir', state: 'missing', at: '/srv/data/new' }],
    [
      'a spelling with dots and slashes',
      '/srv/data/app/../esc//',
      { source: '/srv/data/app/../esc//', state: 'symlink', at: '/srv/data/esc' },
    ],
  ])('%s', async (_name, source, expected) => {
    expect(await checkBindSource(tableHost(host), '/srv/data', source)).toEqual(expected);
  });

  it('reads nothing above the allowed root and stops at the first finding', async () => {
    const paths = tableHost(host);
    await checkBindSource(paths, '/srv/data', '/srv/data/esc/a/b');
    expect(paths.asked).toEqual(['/srv/data', '/srv/data/esc']);
  });

  it('reports a root that does not exist as missing', async () => {
    expect(await checkBindSource(tableHost({}), '/nowhere', '/nowhere/x')).toEqual({
      source: '/nowhere/x',
      state: 'missing',
      at: '/nowhere',
    });
  });
});

describe('LocalHostPaths', () => {
  const proxy = 'tcp://10.0.0.2:2375';
  it.each<[string, string | undefined, string | undefined, string, boolean, boolean]>([
    ['beside a local engine', undefined, undefined, 'unix:///var/run/docker.sock', false, true],
    ["in the engine's own container", undefined, undefined, 'unix:///var/run/docker.sock', true, false],
    ['with a tcp:// engine', undefined, undefined, proxy, false, false],
    ['in a container with BERTH_HOST_ROOT', '/host', undefined, 'unix:///var/run/docker.sock', true, true],
    ['with DOCKER_HOST a tcp:// socket proxy and BERTH_HOST_ROOT', '/host', proxy, proxy, false, true],
    ['with BERTH_HOST_ROOT, for another host record (tcp)', '/host', proxy, 'tcp://10.0.0.9:2376', false, false],
    ['with BERTH_HOST_ROOT, for another host record (ssh)', '/host', undefined, 'ssh://berth@10.0.0.9', false, false],
  ])('%s: can see the host = %s', (_name, hostRoot, dockerHost, url, inContainer, expected) => {
    const config = new AppConfig({ hostRoot, ...(dockerHost && { dockerHost }) });
    expect(new LocalHostPaths(config).canSee(url, inContainer)).toBe(expected);
  });

  it('reads through BERTH_HOST_ROOT and never follows a symlink', async () => {
    const view = mkdtempSync(join(tmpdir(), 'berth-hostview-'));
    mkdirSync(join(view, 'srv/data/app'), { recursive: true });
    symlinkSync('/etc', join(view, 'srv/data/esc'));
    const paths = new LocalHostPaths(new AppConfig({ hostRoot: view }));
    expect(await paths.lstat('/srv/data/app')).toBe('other');
    expect(await paths.lstat('/srv/data/esc')).toBe('symlink');
    expect(await paths.lstat('/srv/data/nope')).toBe('missing');
    // lstat follows symlinks before the last component; the check stops at the first one, so it never gets there.
    expect(await checkBindSource(paths, '/srv/data', '/srv/data/esc/passwd')).toEqual({
      source: '/srv/data/esc/passwd',
      state: 'symlink',
      at: '/srv/data/esc',
    });
    rmSync(view, { recursive: true, force: true });
  });
});
