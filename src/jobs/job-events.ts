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
  return event.type === 'output' ? { ...event, line: redactBuildOutputLine(event.line) } : event;
}
