import { describe, expect, it } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import { FakeHostPaths, fakeBerthContainer } from '../containers/host-paths.testing.js';
import { MountFacts } from '../containers/mount-facts.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { VolumesService } from './volumes.service.js';

const operator: Principal = { kind: 'user', userId: 'u2', username: 'ops', role: 'operator' };
const admin: Principal = { kind: 'user', userId: 'u1', username: 'root', role: 'admin' };

function service(engineMethods: Parameters<typeof fakeEngine>[0] = {}) {
  const config = new AppConfig({ allowedVolumeDrivers: ['nfs-safe'], protectedVolumes: ['berth-data'] });
  const mountFacts = new MountFacts(config, new FakeHostPaths(), fakeBerthContainer());
  const records: AuditRecord[] = [];
  const audit = { record: async (r: AuditRecord) => void records.push(r) } as AuditLog;
  const created: unknown[] = [];
  const engine = fakeEngine({
    inspectVolume: async () => undefined,
    createVolume: async (spec) => {
      created.push(spec);
      return { Name: spec.Name ?? 'anon', Driver: spec.Driver ?? 'local', Scope: 'local', Mountpoint: '/m', Labels: {}, Options: {} };
    },
    listContainers: async () => [],
    ...engineMethods,
  });
  const volumes = new VolumesService(fakeHosts(engine), config, audit, new ContainerPolicy(config, mountFacts), mountFacts);
  return { volumes, records, created };
}

const denial = (error: unknown) => {
  const problem = error as ProblemException;
  return { status: problem.getStatus(), code: problem.code, rules: (problem.problem.extensions as { rules?: string[] })?.rules };
};

describe('VolumesService.create', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a bind of / by local driver options', { driverOpts: { type: 'none', o: 'bind', device: '/' } }, ['volume-driver-options']],
    ['an nfs mount', { driverOpts: { type: 'nfs', o: 'addr=10.0.0.5', device: ':/x' } }, ['volume-driver-options']],
    ['any other option', { driverOpts: { size: '1g' } }, ['volume-driver-options']],
    ['options of an allowed driver', { driver: 'nfs-safe', driverOpts: { share: 'x' } }, ['volume-driver-options']],
    ['a driver not allowed', { driver: 'vieux/sshfs' }, ['volume-driver']],
    ["Berth's protected volume", { name: 'berth-data' }, ['berth-volume']],
  ])('denies an operator %s (403 POLICY_DENIED) and creates nothing', async (_what, dto, rules) => {
    const { volumes, created, records } = service();
    const error = await volumes.create('local', { name: 'v1', ...dto }, operator).catch((e: unknown) => e);
    expect(denial(error)).toEqual({ status: 403, code: 'POLICY_DENIED', rules });
    expect(created).toEqual([]);
    expect(records).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a plain local volume', {}],
    ['an allowed driver without options', { driver: 'nfs-safe' }],
    ['labels', { labels: { team: 'web' } }],
  ])('lets an operator create %s, unaudited', async (_what, dto) => {
    const { volumes, created, records } = service();
    expect((await volumes.create('local', { name: 'v1', ...dto }, operator)).name).toBe('v1');
    expect(created).toHaveLength(1);
    expect(records).toEqual([]);
  });

  it("audits an admin's exception with its rules and the volume created", async () => {
    const { volumes, records } = service();
    await volumes.create('local', { name: 'hostbind', driverOpts: { type: 'none', o: 'bind', device: '/' } }, admin);
    expect(records).toEqual([
      expect.objectContaining({
        action: 'volume.create.policy-exception',
        targets: ['hostbind'],
        status: 201,
        details: expect.objectContaining({ rules: ['volume-driver-options'] }),
      }),
    ]);
  });
});

describe('VolumesService', () => {
  it('lists sizes as null when /system/df fails, rather than failing the list', async () => {
    const { volumes } = service({
      listVolumes: async () => [{ Name: 'v1', Driver: 'local', Scope: 'local', Mountpoint: '/m', Labels: {}, Options: {} }],
      diskUsage: async () => {
        throw new ProblemException(503, 'ENGINE_UNAVAILABLE', 'no answer');
      },
    });
    expect((await volumes.list('local', {}, operator)).items.map((v) => v.sizeBytes)).toEqual([null]);
  });

  it('names the containers that use a volume it cannot remove', async () => {
    const { volumes } = service({
      removeVolume: async () => {
        throw new ProblemException(409, 'VOLUME_IN_USE', 'remove v1: volume is in use - [c1]');
      },
      listContainers: async () => [{ Id: 'c1', Names: ['/web'], State: 'exited', Mounts: [{ Type: 'volume', Name: 'v1' }] }],
    });
    const error = (await volumes.remove('local', 'v1', false, operator).catch((e: unknown) => e)) as ProblemException;
    expect(error.code).toBe('VOLUME_IN_USE');
    expect(error.detail).toContain('web');
    expect(error.problem.extensions).toEqual({ containers: [{ id: 'c1', name: 'web', state: 'exited' }] });
  });
});
