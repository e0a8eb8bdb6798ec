import type { EngineService, EngineServiceTask } from '../docker/engine-services.js';

/** An update (image, replicas, anything) or the engine's rollback to the previous spec. */
export type RolloutKind = 'update' | 'rollback';

/** Where a rollout stands after one look at the service and its tasks at the current spec. */
export interface RolloutState {
  /** Tasks at the current spec that run. */
  running: number;
  /** Tasks the spec asks for (replicas; for a global service the up-to-date tasks meant to run); null while unknown. */
  desired: number | null;
  /** The engine's update state, when this rollout made one (a plain scale makes none). */
  updateState: string | null;
  /** Finished: `failed` says why when it did not end as asked. */
  done: boolean;
  failed?: string;
  /** One line for the job's output. */
  line: string;
}

/**
 * One look at a rollout, as `docker service update` follows one: the engine's UpdateStatus when this rollout
 * started it (its `StartedAt` is not the one seen before the request), and the tasks at the current spec
 * (`_up-to-date`) that run. Converged: as many run as are desired, and the engine's update, if any, completed.
 * An update the engine rolled back or paused failed; for a rollback, `rollback_completed` is the goal.
 */
export function rolloutState(
  kind: RolloutKind,
  service: EngineService,
  upToDate: EngineServiceTask[],
  updateStartedBefore: string | undefined,
): RolloutState {
  const meant = upToDate.filter((task) => task.DesiredState === 'running');
  const running = meant.filter((task) => task.Status.State === 'running').length;
  const replicas = service.Spec.Mode?.Replicated?.Replicas;
  const desired = replicas ?? (meant.length > 0 ? meant.length : null);
  const status = service.UpdateStatus;
  const ours = status?.State && status.StartedAt !== updateStartedBefore ? status : undefined;
  const updateState = ours?.State ?? null;
  const converged = desired !== null && running === desired;
  const line = `${running}/${desired ?? '?'} tasks running at the current spec${updateState ? `; update ${updateState}` : ''}`;
  const end = (failed?: string): RolloutState => ({ running, desired, updateState, done: true, ...(failed && { failed }), line });
  const waiting: RolloutState = { running, desired, updateState, done: false, line };
  const message = ours?.Message ? `: ${ours.Message}` : '';

  switch (updateState) {
    case 'paused':
      return end(`the update paused${message}`);
    case 'rollback_paused':
      return end(`the rollback paused${message}`);
    case 'rollback_completed':
      if (kind === 'update') return end(`the engine rolled the update back${message}`);
      return converged ? end() : waiting;
    case 'updating':
    case 'rollback_started':
      return waiting;
    default:
      // `completed`, or no update of this rollout's (a scale, a spec change the tasks do not see).
      if (kind === 'rollback' && updateState === null) return waiting;
      return converged ? end() : waiting;
  }
}

/** Lines for tasks that failed or were refused, once each (`seen`: the ids not to report, and those reported). */
export function taskFailures(tasks: EngineServiceTask[], seen: Set<string>): string[] {
  const lines: string[] = [];
  for (const task of tasks) {
    if (!['failed', 'rejected'].includes(task.Status.State) || seen.has(task.ID)) continue;
    seen.add(task.ID);
    const slot = task.Slot === undefined ? task.ID.slice(0, 12) : `slot ${task.Slot}`;
    lines.push(`task ${slot} ${task.Status.State}: ${task.Status.Err ?? task.Status.Message ?? 'no reason given'}`);
  }
  return lines;
}
