import { describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import { AppConfig } from '../config/app-config.js';
import type { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import { BindWatcher, START_POLICY_VIOLATION_ACTION } from './bind-watcher.js';
import { FakeHostPaths, fakeBerthContainer } from './host-paths.testing.js';
import { MountFacts } from './mount-facts.js';

function setUp(sources: string[], options: { running?: boolean; visible?: boolean } = {}) {
  const engine = {
    host: { id: 'local', name: 'local', url: 'unix:///var/run/docker.sock' },
    inspectContainer: vi.fn(async () => ({
      Id: 'c1',
      Name: '/b',
      State: { Running: options.running ?? true },
      Mounts: sources.map((source) => ({ Type: 'bind', Source: source })),
    })),
    stopContainer: vi.fn(async () => undefined),
  };
  const records: AuditRecord[] = [];
  const config = new AppConfig({ allowedBindRoots: ['/srv/data'] });
  const paths = new FakeHostPaths({ '/srv/data/esc': 'symlink', '/srv/data/gone': 'missing' });
  paths.visible = options.visible ?? true;
  const facts = new MountFacts(config, paths, fakeBerthContainer());
  const audit = { record: async (record: AuditRecord) => void records.push(record) } as AuditLog;
  const watcher = new BindWatcher({ list: () => [] } as unknown as DockerHosts, config, facts, audit);
  return { watcher, engine, records, recheck: () => watcher.recheck(engine as unknown as Engine, 'c1') };
}

describe('BindWatcher.recheck', () => {
  it.each<[string, string[], string]>([
    ['a bind source swapped for a symlink', ['/srv/data/esc'], 'bind-symlink'],
    ['a path through a swapped symlink, next to a fine one', ['/srv/data/ok', '/srv/data/esc/etc'], 'bind-symlink'],
    ['a bind source that is gone', ['/srv/data/gone'], 'bind-source-missing'],
  ])('stops and audits a running container with %s', async (_name, sources, rule) => {
    const { engine, records, recheck } = setUp(sources);
    await recheck();
    expect(engine.stopContainer).toHaveBeenCalledWith('c1', 0);
    expect(records).toEqual([
      expect.objectContaining({
        action: START_POLICY_VIOLATION_ACTION,
        targets: ['c1'],
        details: expect.objectContaining({ rules: [rule], stopped: true }),
      }),
    ]);
  });

  it.each<[string, string[], { running?: boolean; visible?: boolean }]>([
    ['a container whose binds are fine', ['/srv/data/ok'], {}],
    ["an admin's exception with a bind outside the roots", ['/etc', '/srv/data/esc'], {}],
    ['a container without binds', [], {}],
    ['a container that is no longer running', ['/srv/data/esc'], { running: false }],
    ['a host Berth cannot see (no finding, nothing to go on)', ['/srv/data/esc'], { visible: false }],
  ])('leaves alone %s', async (_name, sources, options) => {
    const { engine, records, recheck } = setUp(sources, options);
    await recheck();
    expect(engine.stopContainer).not.toHaveBeenCalled();
    expect(records).toEqual([]);
  });

  it('survives an engine failure while re-checking', async () => {
    const { engine, recheck } = setUp(['/srv/data/esc']);
    engine.inspectContainer.mockRejectedValueOnce(new Error('engine down'));
    await expect(recheck()).resolves.toBeUndefined();
  });
});
