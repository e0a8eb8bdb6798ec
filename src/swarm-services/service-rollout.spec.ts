import { describe, expect, it } from 'vitest';
import type { EngineService, EngineServiceTask } from '../docker/engine-services.js';
import { rolloutState, taskFailures } from './service-rollout.js';

const BEFORE = '2026-11-26T17:00:00Z';
const NOW = '2026-11-26T17:05:00Z';

const service = (replicas: number | undefined, state?: string, startedAt = NOW, message = ''): EngineService =>
  ({
    ID: 'svc',
    Version: { Index: 9 },
    Spec: {
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'app:2' } },
      Mode: replicas === undefined ? { Global: {} } : { Replicated: { Replicas: replicas } },
    },
    ...(state && { UpdateStatus: { State: state, StartedAt: startedAt, Message: message } }),
  }) as EngineService;

const task = (state: string, desired = 'running', extra: Partial<EngineServiceTask> = {}): EngineServiceTask =>
  ({ ID: `t-${Math.random()}`, ServiceID: 'svc', DesiredState: desired, Status: { State: state }, ...extra }) as EngineServiceTask;

const tasks = (...states: string[]) => states.map((state) => task(state));

describe('rolloutState', () => {
  it.each([
    // [what, kind, service, tasks, done, failed]
    ['a scale not yet there', 'update', service(3), tasks('running', 'running', 'starting'), false, undefined],
    ['a scale there (no update status of its own)', 'update', service(3), tasks('running', 'running', 'running'), true, undefined],
    [
      'an old completed status is not this rollout’s, the tasks decide',
      'update',
      service(2, 'completed', BEFORE),
      tasks('running'),
      false,
      undefined,
    ],
    ['an update still updating, though the tasks run', 'update', service(2, 'updating'), tasks('running', 'running'), false, undefined],
    ['an update completed and converged', 'update', service(2, 'completed'), tasks('running', 'running'), true, undefined],
    ['an update completed, a task still starting', 'update', service(2, 'completed'), tasks('running', 'starting'), false, undefined],
    [
      'an update paused by the engine',
      'update',
      service(2, 'paused', NOW, 'task failed'),
      tasks('running'),
      true,
      'the update paused: task failed',
    ],
    [
      'an update the engine rolled back',
      'update',
      service(2, 'rollback_completed', NOW, 'boom'),
      tasks('running', 'running'),
      true,
      'the engine rolled the update back: boom',
    ],
    ['a rollback started', 'rollback', service(2, 'rollback_started'), tasks('running', 'running'), false, undefined],
    ['a rollback completed and converged', 'rollback', service(2, 'rollback_completed'), tasks('running', 'running'), true, undefined],
    ['a rollback paused', 'rollback', service(2, 'rollback_paused', NOW, 'stuck'), tasks('running'), true, 'the rollback paused: stuck'],
    [
      'a rollback before the engine said anything',
      'rollback',
      service(2, 'completed', BEFORE),
      tasks('running', 'running'),
      false,
      undefined,
    ],
    ['a global service whose tasks all run', 'update', service(undefined), tasks('running', 'running'), true, undefined],
    ['a global service without tasks yet', 'update', service(undefined), [], false, undefined],
    ['tasks meant to stop do not count', 'update', service(1), [task('running', 'shutdown'), task('starting')], false, undefined],
  ] as const)('%s', (_what, kind, engineService, upToDate, done, failed) => {
    const state = rolloutState(kind, engineService, [...upToDate], BEFORE);
    expect(state.done).toBe(done);
    expect(state.failed).toBe(failed);
  });

  it('says where it stands in one line', () => {
    expect(rolloutState('update', service(3, 'updating'), tasks('running', 'starting'), BEFORE)).toMatchObject({
      running: 1,
      desired: 3,
      updateState: 'updating',
      line: '1/3 tasks running at the current spec; update updating',
    });
  });
});

describe('taskFailures', () => {
  it('reports each failed or rejected task once, with its error', () => {
    const seen = new Set<string>();
    const failed = task('rejected', 'shutdown', { ID: 'a', Slot: 2, Status: { State: 'rejected', Err: 'No such image: app:3' } });
    const ok = task('running', 'running', { ID: 'b' });
    expect(taskFailures([failed, ok], seen)).toEqual(['task slot 2 rejected: No such image: app:3']);
    expect(taskFailures([failed, ok], seen)).toEqual([]);
  });
});
