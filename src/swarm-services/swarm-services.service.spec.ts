import { plainToInstance } from 'class-transformer';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import { FakeHostPaths, fakeBerthContainer } from '../containers/host-paths.testing.js';
import { MountFacts } from '../containers/mount-facts.js';
import type { EngineService, EngineServiceSpec } from '../docker/engine-services.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { RegistryAuthProvider } from '../docker/registry-auth.js';
import type { JobRunner, JobSpec } from '../jobs/job-types.js';
import { ServiceCreateDto, ServiceUpdateDto } from './dto/service-create.dto.js';
import { SERVICE_POLICY_EXCEPTION_ACTION, SwarmServicesService } from './swarm-services.service.js';
import { TestAuthenticator } from '../auth/authenticator-testing.js';

const operator: Principal = { kind: 'user', userId: 'u2', username: 'ops', role: 'operator' };
const admin: Principal = { kind: 'user', userId: 'u1', username: 'root', role: 'admin' };

const current = (index: number, spec: Partial<EngineServiceSpec> = {}): EngineService =>
  ({
    ID: 'svc1',
    Version: { Index: index },
    Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'app:1' } }, Mode: { Replicated: { Replicas: 2 } }, ...spec },
  }) as EngineService;

function engineFake() {
  let index = 7;
  const methods = {
    createService: vi.fn(async (_spec: EngineServiceSpec) => ({ id: 'svc1', warnings: [] as string[] })),
    inspectService: vi.fn(async (_ref: string): Promise<EngineService> => current(index)),
    updateService: vi.fn(async (_id: string, version: number, _spec: EngineServiceSpec, _options?: { rollback?: boolean }) => {
      if (version !== index) throw new ProblemException(409, 'SWARM_UPDATE_OUT_OF_SEQUENCE', 'update out of sequence');
      return { warnings: [] as string[] };
    }),
    serviceTasks: vi.fn(async () => []),
    version: vi.fn(async () => ({ ApiVersion: '1.40', Version: '19.03', Os: 'linux', Arch: 'amd64' })),
    inspectNetwork: vi.fn(async (): Promise<never> => {
      throw new ProblemException(404, 'NETWORK_NOT_FOUND', 'no such network');
    }),
    inspectVolume: vi.fn(async () => undefined),
  };
  return { ...methods, engine: fakeEngine(methods), moveVersion: () => (index += 1) };
}

/** The refusal a call ends with (a test fails when it succeeds). */
const refusal = (call: Promise<unknown>): Promise<ProblemException> =>
  call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: ProblemException) => error,
  );

describe('SwarmServicesService', () => {
  let engine: ReturnType<typeof engineFake>;
  let records: AuditRecord[];
  let started: JobSpec[];
  let service: SwarmServicesService;
  /** The jobs machinery has no place left for the caller (429 TOO_MANY_JOBS from reserve). */
  let noPlaceLeft = false;
  const create = (body: Record<string, unknown>, principal?: Principal) =>
    service.create('local', plainToInstance(ServiceCreateDto, { name: 'web', image: 'app:1', ...body }), principal);
  const update = (body: Record<string, unknown>, principal?: Principal) =>
    service.update('local', 'web', plainToInstance(ServiceUpdateDto, body), principal);

  beforeEach(() => {
    engine = engineFake();
    records = [];
    started = [];
    const config = new AppConfig({ allowedBindRoots: ['/srv/data'] });
    const audit = { record: async (record: AuditRecord) => void records.push(record) } as AuditLog;
    const jobs = {
      start: async (spec: JobSpec) => (started.push(spec), { id: 'job1' }),
      reserve: () => {
        if (noPlaceLeft) throw new ProblemException(429, 'TOO_MANY_JOBS', 'no place left');
        return { release: () => undefined };
      },
    } as unknown as JobRunner;
    noPlaceLeft = false;
    const auth = { authFor: async () => undefined } as unknown as RegistryAuthProvider;
    const policy = new ContainerPolicy(config, new MountFacts(config, new FakeHostPaths(), fakeBerthContainer()));
    service = new SwarmServicesService(fakeHosts(engine.engine), config, audit, auth, policy, jobs, new TestAuthenticator());
  });

  it('denies an operator a bind outside the allowed roots (403 POLICY_DENIED) before the engine hears of it', async () => {
    const denied = await refusal(create({ mounts: [{ type: 'bind', source: '/etc', target: '/x' }] }, operator));
    expect([denied.getStatus(), denied.code]).toEqual([403, 'POLICY_DENIED']);
    expect(denied.problem.extensions?.rules).toContain('bind-outside-allowed-roots');
    expect(engine.createService).not.toHaveBeenCalled();
  });

  it('lets an admin, and audits the exception', async () => {
    await create({ mounts: [{ type: 'bind', source: '/etc', target: '/x' }] }, admin);
    expect(engine.createService).toHaveBeenCalledOnce();
    expect(records).toMatchObject([{ action: SERVICE_POLICY_EXCEPTION_ACTION, targets: ['svc1'], status: 201 }]);
  });

  it('refuses capabilities on an engine older than API 1.41 (400 FEATURE_UNSUPPORTED) instead of dropping them', async () => {
    const refused = await refusal(create({ capDrop: ['NET_RAW'] }, operator));
    expect([refused.getStatus(), refused.code]).toEqual([400, 'FEATURE_UNSUPPORTED']);
    expect(engine.createService).not.toHaveBeenCalled();
  });

  it('judges the whole resulting spec of an update: a bind added by an operator is denied and nothing changes', async () => {
    const denied = await refusal(update({ mounts: [{ type: 'bind', source: '/', target: '/host' }] }, operator));
    expect(denied.code).toBe('POLICY_DENIED');
    expect(engine.updateService).not.toHaveBeenCalled();
    expect(started).toEqual([]);
  });

  it('refuses an update for which the caller has no job place left (429) before the service is changed', async () => {
    noPlaceLeft = true;
    expect((await refusal(update({ image: 'app:2' }, operator))).code).toBe('TOO_MANY_JOBS');
    expect(engine.updateService).not.toHaveBeenCalled();
    expect(started).toEqual([]);
  });

  it('updates at the version it read, once more when another update came first, then follows it as a job', async () => {
    engine.updateService.mockImplementationOnce(async () => {
      engine.moveVersion();
      throw new ProblemException(409, 'SWARM_UPDATE_OUT_OF_SEQUENCE', 'update out of sequence');
    });
    await update({ replicas: 3 }, operator);
    expect(engine.updateService.mock.calls.map((call) => call[1])).toEqual([7, 8]);
    expect(engine.updateService.mock.calls[1][2]).toMatchObject({ Mode: { Replicated: { Replicas: 3 } } });
    expect(started).toMatchObject([{ kind: 'service-update', host: 'local', target: 'web' }]);
  });

  it('gives up after one retry (409 SWARM_UPDATE_OUT_OF_SEQUENCE)', async () => {
    engine.updateService.mockImplementation(async () => {
      throw new ProblemException(409, 'SWARM_UPDATE_OUT_OF_SEQUENCE', 'update out of sequence');
    });
    const failed = await refusal(update({ replicas: 3 }, operator));
    expect(failed.code).toBe('SWARM_UPDATE_OUT_OF_SEQUENCE');
    expect(engine.updateService).toHaveBeenCalledTimes(2);
    expect(started).toEqual([]);
  });

  it('refuses a rollback without a previous spec (409 SERVICE_NO_PREVIOUS_SPEC)', async () => {
    const refused = await refusal(service.rollback('local', 'web', operator));
    expect(refused.code).toBe('SERVICE_NO_PREVIOUS_SPEC');
    expect(engine.updateService).not.toHaveBeenCalled();
  });

  it('judges the previous spec of a rollback: back to an admin’s bind is an admin’s', async () => {
    const previous = current(7).Spec;
    previous.TaskTemplate.ContainerSpec.Mounts = [{ Type: 'bind', Source: '/etc', Target: '/x' }];
    engine.inspectService.mockImplementation(async () => ({ ...current(7), PreviousSpec: previous }));
    const denied = await refusal(service.rollback('local', 'web', operator));
    expect(denied.code).toBe('POLICY_DENIED');
    await service.rollback('local', 'web', admin);
    expect(engine.updateService).toHaveBeenCalledWith('svc1', 7, current(7).Spec, { rollback: true });
    expect(started).toMatchObject([{ kind: 'service-rollback' }]);
  });
});
