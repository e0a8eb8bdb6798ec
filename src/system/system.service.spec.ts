import { describe, expect, it } from 'vitest';
import type { Database } from '../database/database.js';
import { engineUnavailable } from '../docker/engine-errors.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { SystemService, toDiskUsage } from './system.service.js';

describe('SystemService.listHosts', () => {
  const service = new SystemService(fakeHosts(fakeEngine({ ping: () => Promise.resolve() })), {} as Database);

  it.each([
    ['admin', true],
    ['operator', false],
    ['viewer', false],
    [undefined, false],
  ] as const)('gives the engine url to %s: %s', async (role, withUrl) => {
    const [host] = await service.listHosts(role);
    expect(host).toEqual({ id: 'local', name: 'local', status: 'up', ...(withUrl && { url: 'unix:///var/run/docker.sock' }) });
  });

  it('says why a host is down', async () => {
    const down = new SystemService(
      fakeHosts(
        fakeEngine({
          ping: () => Promise.reject(engineUnavailable('local', "TLS: the engine's certificate has expired (CERT_HAS_EXPIRED)")),
        }),
      ),
      {} as Database,
    );
    expect(await down.listHosts('viewer')).toEqual([
      {
        id: 'local',
        name: 'local',
        status: 'down',
        reason: expect.stringMatching(/unavailable: TLS: the engine's certificate has expired/),
      },
    ]);
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
    expect(usage.images).toEqual({ count: 2, active: 1, sizeBytes: 1000, reclaimableBytes: 500 });
    expect(usage.containers).toEqual({ count: 2, active: 1, sizeBytes: 15, reclaimableBytes: 5 });
    expect(usage.volumes).toEqual({ count: 3, active: 1, sizeBytes: 70, reclaimableBytes: 20 });
    expect(usage.buildCache).toEqual({ count: 2, active: 1, sizeBytes: 37, reclaimableBytes: 30 });
    expect(usage.totalBytes).toBe(1122);
    expect(usage.reclaimableBytes).toBe(555);
  });
});
