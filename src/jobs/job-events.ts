import { redactBuildOutputLine } from '../common/redaction.js';
import type { JobProgress, JobStatus } from './job-types.js';

/** One entry of a job's log, as the API and the WS jobs channel answer it. */
export type JobEventView =
  | { id: number; at: string; type: 'output'; line: string }
  | { id: number; at: string; type: 'progress'; progress: JobProgress }
  | { id: number; at: string; type: 'status'; status: JobStatus; error: string | null };

export type JobEventData =
  | { type: 'output'; line: string }
  | { type: 'progress'; progress: JobProgress }
  | { type: 'status'; status: JobStatus; error: string | null };

export const EMPTY_PROGRESS: JobProgress = { percent: null, currentBytes: 0, totalBytes: null, layers: [] };

export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** A job's log entry as a viewer reads it: a build's `ENV`/`ARG` values and RUN build arguments redacted, as in image history. */
export function redactJobEvent(event: JobEventView): JobEventView {
  if (event.type === 'output') return { ...event, line: redactBuildOutputLine(event.line) };
  if (event.type === 'status' && event.error) return { ...event, error: redactJobError(event.error) };
  return event;
}

/** A failed build's error quotes the failing step's last lines (see build-output.ts): redacted line by line, as the log is. */
export function redactJobError(error: string): string {
  return error.split('\n').map(redactBuildOutputLine).join('\n');
}

/** A job as a viewer reads it: its error redacted as its log is. */
export function redactJob<T extends { error: string | null }>(job: T): T {
  return job.error ? { ...job, error: redactJobError(job.error) } : job;
}
