import { describe, expect, it } from 'vitest';
import type { Database } from '../database/database.js';
import { engineUnavailable } from '../docker/engine-errors.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { SystemService, toDiskUsage } from './system.service.js';

describe('SystemService.readiness', () => {
  const database = { ping: () => Promise.resolve() } as unknown as Database;
  const remote = (state: 'up' | 'down') =>
    fakeEngine(
      {
        health: {
          status: () => ({
            state,
            since: '2026-11-26T14:00:00.000Z',
            ...(state === 'down' && { reason: 'cannot connect (ECONNREFUSED)' }),
          }),
        },
      } as never,
      { id: 'staging', name: 'staging', url: 'tcp://10.0.0.12:2376' },
    );

  it.each([
    ['up', 'ok: 1, down: 0, unknown: 0'],
    // A public route: how many, never which (a record may be hidden from some users) nor why (TLS, host key, addresses).
    ['down', 'ok: 0, down: 1, unknown: 0'],
  ] as const)('is ready while local answers, counting a remote host that is %s', async (state, hosts) => {
    const service = new SystemService(fakeHosts(fakeEngine({ ping: () => Promise.resolve() }), remote(state)), database);
    const ready = await service.readiness();
    expect(ready).toEqual({ status: 'ready', checks: { database: 'ok', 'host:local': 'ok', hosts } });
    expect(JSON.stringify(ready)).not.toContain('staging');
  });

  it('lists no hosts count where there is only local', async () => {
    const service = new SystemService(fakeHosts(fakeEngine({ ping: () => Promise.resolve() })), database);
    expect(await service.readiness()).toEqual({ status: 'ready', checks: { database: 'ok', 'host:local': 'ok' } });
  });

  it('is not ready when local does not answer, and says why', async () => {
    const down = fakeEngine({
      ping: () => Promise.reject(engineUnavailable('local', "TLS: the engine's certificate has expired (CERT_HAS_EXPIRED)")),
    });
    const service = new SystemService(fakeHosts(down, remote('up')), database);
    await expect(service.readiness()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', detail: expect.stringMatching(/expired/) });
  });
});

describe('toDiskUsage', () => {
  it('does the arithmetic of docker system df', () => {
    const usage = toDiskUsage({
      LayersSize: 1000,
      Images: [
        { Id: 'a', Size: 600, SharedSize: 100, Containers: 1 },
        { Id: 'b', Size: 400, SharedSize: 100, Containers: 0 },
      ],
      Containers: [
        { Id: 'c1', SizeRw: 10, State: 'running' },
        { Id: 'c2', SizeRw: 5, State: 'exited' },
      ],
      Volumes: [
        { Name: 'v1', UsageData: { Size: 50, RefCount: 1 } },
        { Name: 'v2', UsageData: { Size: 20, RefCount: 0 } },
        { Name: 'v3', UsageData: { Size: -1, RefCount: -1 } },
      ],
      BuildCache: [
        { ID: 'b1', Size: 30, InUse: false, Shared: false },
        { ID: 'b2', Size: 7, InUse: true, Shared: false },
        { ID: 'b3', Size: 99, InUse: false, Shared: true },
      ],
    });
    expect(usage.images).toMatchObject({ count: 2, active: 1, sizeBytes: 1000, reclaimableBytes: 500 });
    expect(usage.containers).toMatchObject({ count: 2, active: 1, sizeBytes: 15, reclaimableBytes: 5 });
    expect(usage.volumes).toMatchObject({ count: 3, active: 1, sizeBytes: 70, reclaimableBytes: 20 });
    expect(usage.buildCache).toMatchObject({ count: 2, active: 1, sizeBytes: 37, reclaimableBytes: 30 });
    expect(usage.totalBytes).toBe(1122);
    expect(usage.reclaimableBytes).toBe(555);
  });

  it('lists the largest items of each kind, largest first, bounded by top', () => {
    const usage = toDiskUsage(
      {
        Images: [
          { Id: 'sha256:aaaaaaaaaaaaaaaa', Size: 600, SharedSize: 0, Containers: 1, RepoTags: ['<none>:<none>'] },
          { Id: 'sha256:bbbb', Size: 900, SharedSize: 0, Containers: 0, RepoTags: ['app:1'] },
          { Id: 'sha256:cccc', Size: 100, SharedSize: 0, Containers: 0, RepoTags: ['app:0'] },
        ],
        Containers: [
          { Id: 'c1', Names: ['/web'], SizeRw: 10, State: 'running' },
          { Id: 'c2', Names: ['/job'], SizeRw: 50, State: 'exited' },
        ],
        Volumes: [{ Name: 'v3', UsageData: { Size: -1, RefCount: -1 } }],
        BuildCache: [{ ID: 'b1', Size: 30, InUse: false, Shared: false, Description: 'mount / from exec /bin/sh' }],
      },
      2,
    );
    expect(usage.images.largest).toEqual([
      { id: 'sha256:bbbb', name: 'app:1', sizeBytes: 900, active: false },
      { id: 'sha256:aaaaaaaaaaaaaaaa', name: 'aaaaaaaaaaaa', sizeBytes: 600, active: true },
    ]);
    expect(usage.containers.largest).toEqual([
      { id: 'c2', name: 'job', sizeBytes: 50, active: false },
      { id: 'c1', name: 'web', sizeBytes: 10, active: true },
    ]);
    expect(usage.volumes.largest).toEqual([{ id: 'v3', name: 'v3', sizeBytes: 0, active: false }]);
    expect(usage.buildCache.largest).toEqual([{ id: 'b1', name: 'mount / from exec /bin/sh', sizeBytes: 30, active: false }]);
    expect(toDiskUsage({ Images: [{ Id: 'x', Size: 1, SharedSize: 0, Containers: 0 }] }, 0).images.largest).toEqual([]);
  });
});
