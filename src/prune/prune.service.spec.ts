import { describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { BerthContainer } from '../containers/berth-container.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { JobContext, JobRunner, JobSpec, JobView } from '../jobs/job-types.js';
import { PrunePlans } from './prune-plans.js';
import { PruneService } from './prune.service.js';
import { TestAuthenticator } from '../auth/authenticator-testing.js';

const admin: Principal = { kind: 'user', userId: 'a1', username: 'ada', role: 'admin' };
const operator: Principal = { kind: 'user', userId: 'o1', username: 'olga', role: 'operator' };

const stoppedContainer = (id: string) => ({
  Id: id,
  Names: [`/${id}`],
  State: 'exited',
  Status: 'Exited',
  Labels: {},
  Created: 1,
  ImageID: 'i',
  Mounts: [],
});

function setup() {
  const removals: string[] = [];
  const gates = new Map<string, () => void>();
  const engine = fakeEngine({
    listContainers: async () => [stoppedContainer('c1'), stoppedContainer('c2')] as never,
    listImages: async () => [],
    listNetworks: async () => [],
    listVolumes: async () => [{ Name: 'a'.repeat(64), Driver: 'local', Labels: {} }],
    diskUsage: async () => ({}),
    version: async () => ({ ApiVersion: '1.41' }) as never,
    inspectContainer: async (id: string) => ({ Id: id, State: { Running: false }, Config: { Labels: {} } }) as never,
    // Each removal waits until the test lets it go: what runs at once shows.
    removeContainer: (id: string) =>
      new Promise<void>((resolve) => {
        removals.push(`start ${id}`);
        gates.set(id, () => {
          removals.push(`end ${id}`);
          resolve();
        });
      }),
  });
  const records: AuditRecord[] = [];
  const audit = { record: async (record: AuditRecord) => void records.push(record) } as AuditLog;
  const results: Array<Promise<object>> = [];
  const runner = {
    start: vi.fn(async (spec: JobSpec) => {
      const context: JobContext = { signal: new AbortController().signal, output: () => undefined, progress: () => undefined };
      results.push(spec.run(context));
      return { id: `job-${results.length}` } as JobView;
    }),
    /** Places given: a test may make the next one refused, as the jobs machinery does when a user has none left. */
    refuseNextPlace: false,
    released: 0,
    reserve: vi.fn(() => {
      if (runner.refuseNextPlace) {
        runner.refuseNextPlace = false;
        throw new ProblemException(429, 'TOO_MANY_JOBS', 'no place left');
      }
      return { release: () => void runner.released++ };
    }),
  };
  const berth = { on: async () => ({ inContainer: false, volumes: [] }) } as unknown as BerthContainer;
  const plans = new PrunePlans(new AppConfig());
  const service = new PruneService(fakeHosts(engine), plans, runner as typeof runner & JobRunner, audit, berth, new TestAuthenticator());
  return { service, removals, gates, results, records, runner };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PruneService', () => {
  it('runs the executions of one host one after the other', async () => {
    const { service, removals, gates, results } = setup();
    const first = await service.plan('local', { containers: true }, admin);
    const second = await service.plan('local', { containers: true }, admin);
    await service.execute('local', { planId: first.planId }, admin);
    await service.execute('local', { planId: second.planId }, admin);
    await settle();
    expect(removals).toEqual(['start c1']);
    gates.get('c1')!();
    await settle();
    expect(removals).toEqual(['start c1', 'end c1', 'start c2']);
    gates.get('c2')!();
    await results[0];
    await settle();
    // Only now does the second execution start (the fake engine still answers its items as stopped).
    expect(removals.slice(0, 5)).toEqual(['start c1', 'end c1', 'start c2', 'end c2', 'start c1']);
    gates.get('c1')!();
    await settle();
    gates.get('c2')!();
    await results[1];
  });

  it('audits an execution with every removed item', async () => {
    const { service, gates, results, records } = setup();
    await service.execute('local', { containers: true, images: 'none', networks: false }, operator);
    await settle();
    gates.get('c1')!();
    await settle();
    gates.get('c2')!();
    await results[0];
    expect(records).toEqual([
      expect.objectContaining({
        action: 'prune.execute',
        actor: operator,
        targets: ['c1', 'c2'],
        details: expect.objectContaining({ removed: [expect.objectContaining({ id: 'c1' }), expect.objectContaining({ id: 'c2' })] }),
      }),
    ]);
  });

  it.each<[string, object]>([
    ['a stored plan with volumes', { volumes: 'anonymous' }],
    ['options asking for volumes', { volumes: 'all', containers: false }],
  ])('refuses an operator %s (403), and spends nothing', async (name, options) => {
    const { service, results } = setup();
    let body: object = options;
    if (name.startsWith('a stored plan')) {
      const plan = await service.plan('local', options, operator);
      expect(plan.items.map((i) => i.kind)).toContain('volume');
      body = { planId: plan.planId };
    }
    await expect(service.execute('local', body, operator)).rejects.toMatchObject({ code: 'FORBIDDEN' } satisfies Partial<ProblemException>);
    expect(results).toEqual([]);
  });

  it("holds a place among the caller's jobs before the plan is used up: refused (429), the plan stays unused and can be sent again", async () => {
    const { service, runner, results } = setup();
    const plan = await service.plan('local', { containers: true }, admin);
    runner.refuseNextPlace = true;
    await expect(service.execute('local', { planId: plan.planId }, admin)).rejects.toMatchObject({ code: 'TOO_MANY_JOBS' });
    expect(results).toEqual([]);
    await expect(service.execute('local', { planId: plan.planId }, admin)).resolves.toMatchObject({ id: 'job-1' });
    expect(runner.start).toHaveBeenCalledWith(expect.anything(), admin, expect.objectContaining({ release: expect.any(Function) }));
    expect(runner.released).toBe(1);
  });

  it('an execution without planId needs an option', async () => {
    const { service } = setup();
    await expect(service.execute('local', {}, admin)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.execute('local', { labels: null } as never, admin)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
