import type { Principal } from '../common/principal.js';

// The contract between the jobs machinery (src/jobs/) and the features that start long work
// (image pull, push, build, import, prune, a service's rollout): a feature says what to run, the machinery stores it,
// reports its progress, cancels it and answers for it.

export const JOB_KINDS = ['pull', 'push', 'build', 'import', 'prune', 'service-update', 'service-rollback'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** One layer of a pull or push, as the engine's progress messages tell it. */
export interface LayerProgress {
  id: string;
  /** The engine's words: `Downloading`, `Pull complete`, `Already exists`, `Pushed`, ... */
  status: string;
  currentBytes?: number;
  totalBytes?: number;
}

export interface JobProgress {
  /** 0-100; null while the total is unknown. */
  percent: number | null;
  currentBytes: number;
  totalBytes: number | null;
  layers: LayerProgress[];
}

/** What the work of a job gets: a signal that aborts it on cancel, and ways to report. */
export interface JobContext {
  /** Aborted when the job is canceled: pass it to the engine request. */
  signal: AbortSignal;
  /** A line of output (build output, a pull's status line): a job event. */
  output(line: string): void;
  /** The progress as it stands now (replaces the previous one): a job event, throttled by the machinery. */
  progress(progress: JobProgress): void;
}

/** Long work to run as a job. `run` resolves with the job's result or rejects with the failure (a ProblemException's detail becomes the job's error). */
export interface JobSpec<R extends object = object> {
  kind: JobKind;
  host: string;
  /** What it is about, e.g. the image reference. */
  target: string;
  /** Identical running jobs (same key) share one: the second start answers the first job. */
  dedupeKey?: string;
  /**
   * The request's authorization, checked again as the job leaves the host's queue: while it waited, the
   * world may have changed (a policy exception started on a tag it would move). A rejection fails the
   * job with its reason, and `run` is not called.
   */
  authorize?(): Promise<void>;
  /**
   * The work was done before the job started (a service update applied) and the job only follows it: it starts even
   * if the starter's access ended meanwhile, since refusing would hide what was done.
   */
  follows?: boolean;
  run(context: JobContext): Promise<R>;
}

/** A job as the API answers it. */
export interface JobView {
  id: string;
  kind: JobKind;
  host: string;
  target: string;
  status: JobStatus;
  progress: JobProgress;
  result: object | null;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The port features start jobs through (bound by JobsModule). */
/** A place among a user's unfinished jobs on a host, held by reserve() until start() makes it the job's. */
export interface JobPlace {
  /** Gives the place back; nothing once it is given back or the job took it. */
  release(): void;
}

export abstract class JobRunner {
  /**
   * Stores the job (queued), runs it when the host's concurrency allows, and answers it at once; 429 TOO_MANY_JOBS
   * when its starter has no place left on the host, unless `place` (from reserve) is given, which the job then takes.
   */
  abstract start<R extends object>(spec: JobSpec<R>, principal: Principal | undefined, place?: JobPlace): Promise<JobView>;
  /** The job once it has finished (succeeded, failed or canceled). */
  abstract finished(id: string): Promise<JobView>;
  /**
   * Holds a place among `principal`'s unfinished jobs on `host` (429 TOO_MANY_JOBS when there is none left) before a
   * job's work begins that a refusal at start would waste or hide: an upload spooled to disk, a prune plan used up, a
   * service changed. Pass it to start(); release it in any case once start() answered or threw.
   */
  abstract reserve(host: string, principal: Principal | undefined): JobPlace;
}
