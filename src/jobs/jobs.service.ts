import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Authenticator, type Revocation, accessEndedMeanwhile, endsAccessOn } from '../auth/authenticator.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { EMPTY_PROGRESS, FINISHED_STATUSES, JobEventData, JobEventView } from './job-events.js';
import { JobContext, JobPlace, JobProgress, JobRunner, JobSpec, JobStatus, JobView } from './job-types.js';
import { JobRow, JobsRepository } from './jobs.repository.js';

/** At most one progress event per this many ms; the last one is always kept. */
export const PROGRESS_INTERVAL_MS = 250;
/** Events stored per job; the rest are counted. */
export const MAX_EVENTS_PER_JOB = 10_000;
/**
 * Output stored per job, in bytes of its lines' events as stored; the lines past it are counted as the events past
 * MAX_EVENTS_PER_JOB are. 10 000 lines of 16 KiB would be 160 MB of SQLite per build, and builds can be repeated.
 */
export const MAX_OUTPUT_PER_JOB = 8 * 1024 * 1024;
export const BERTH_STOPPED = 'Berth stopped';
/** The error of a job canceled because the access it was started with ended. */
export const ACCESS_ENDED =
  'canceled: the access that started it ended (API key revoked; user disabled, deleted, logged out or given a new password)';
/** The error of a queued job canceled because the role it was queued with changed. */
export const ACCESS_CHANGED = 'canceled before it started: the role or host roles of who queued it changed; start it again';
/** The error of a job whose starter's access ended or changed while it was being stored. */
const ACCESS_ENDED_WHILE_QUEUED = 'canceled before it started: the access that started it ended or changed meanwhile';
const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface JobListener {
  event(event: JobEventView): void;
  end(job: JobView): void;
  /** Settles when the listener can take more: the stored log is replayed one event after another as it does. */
  drained?(): Promise<void>;
}

/**
 * Jobs one user may have unfinished (queued or running) on one host, uploads being received for one included: a host
 * runs BERTH_JOBS_PER_HOST at a time, and a queue (with the uploads it spools to disk) no one bounds lets one operator
 * fill the disk and keep everyone else's pulls and builds waiting.
 */
export const UNFINISHED_JOBS_PER_USER = 32;

/** The most of one output line a job keeps (a build step may print megabytes without a newline). */
export const JOB_OUTPUT_LINE_MAX = 16 * 1024;

/** A job this process runs (or will run). */
interface LiveJob {
  view: JobView;
  spec: JobSpec;
  /** Whose access it runs under: who started it, and who started the same work since (dedupeKey). */
  principals: Principal[];
  controller: AbortController;
  listeners: Set<JobListener>;
  /** Writes to the store, in order. */
  writes: Promise<unknown>;
  storedEvents: number;
  /** Bytes of output lines' events stored (MAX_OUTPUT_PER_JOB). */
  storedOutput: number;
  lastProgressAt: number;
  pendingProgress?: NodeJS.Timeout;
  finished: Promise<JobView>;
  settle(view: JobView): void;
}

/** Runs jobs: stored, queued per host under a concurrency limit, cancelable, their events logged and followed live. */
@Injectable()
export class JobsService extends JobRunner implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly live = new Map<string, LiveJob>();
  private readonly queues = new Map<string, LiveJob[]>();
  private readonly running = new Map<string, number>();
  /** Places held by reserve(), per host and user. */
  private readonly reserved = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.authenticator.onRevoked((revocation) => this.revoke(revocation));
    const failed = await this.repository.failUnfinished(BERTH_STOPPED, new Date().toISOString());
    if (failed > 0) this.logger.warn(`${failed} job(s) were queued or running when Berth stopped: marked failed`);
    await this.sweep();
    this.sweeper = setInterval(
      () => void this.sweep().catch((error: Error) => this.logger.error(`job sweep: ${error.message}`)),
      SWEEP_INTERVAL_MS,
    );
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.sweeper);
    for (const job of this.live.values()) job.controller.abort();
  }

  /** Deletes finished jobs older than the retention. */
  async sweep(now = Date.now()): Promise<number> {
    return this.repository.deleteFinishedBefore(new Date(now - this.config.jobRetentionHours * 3_600_000).toISOString());
  }

  async start<R extends object>(spec: JobSpec<R>, principal: Principal | undefined, place?: JobPlace): Promise<JobView> {
    // The request may have run long (an upload spooled first): its access may have ended or changed meanwhile. Work
    // already done (a rollout applied) is followed all the same: refusing would only hide it.
    const current = (held: Principal) => spec.follows === true || !this.authenticator.revokedSince(held);
    if (principal && !current(principal)) throw accessEndedMeanwhile();
    if (spec.dedupeKey !== undefined) {
      const same = [...this.live.values()].find(
        (job) => job.spec.dedupeKey === spec.dedupeKey && job.spec.host === spec.host && !FINISHED_STATUSES.includes(job.view.status),
      );
      if (same) {
        if (principal && !same.principals.some((held) => sameCredential(held, principal))) same.principals.push(principal);
        return same.view;
      }
    }
    // A place held for this job (reserve) is its admission, else one is taken now (429 when none is left); held while
    // the job is stored, it is given back once the job counts itself (live), or the store failed.
    const given = place instanceof HeldPlace && place.holds(spec.host, principal?.userId) ? place : undefined;
    const ownPlace = given ?? (principal ? this.reserve(spec.host, principal) : undefined);
    try {
      return await this.store(spec, principal, current, ownPlace);
    } finally {
      ownPlace?.release();
    }
  }

  /** Stores a new job and queues it; `place` is given back once it counts itself. */
  private async store<R extends object>(
    spec: JobSpec<R>,
    principal: Principal | undefined,
    current: (held: Principal) => boolean,
    place: JobPlace | undefined,
  ): Promise<JobView> {
    const view: JobView = {
      id: randomUUID(),
      kind: spec.kind,
      host: spec.host,
      target: spec.target,
      status: 'queued',
      progress: EMPTY_PROGRESS,
      result: null,
      error: null,
      createdBy: principal?.userId ?? null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    await this.repository.insert({
      id: view.id,
      kind: view.kind,
      host: view.host,
      target: view.target,
      status: view.status,
      progress: JSON.stringify(view.progress),
      createdBy: view.createdBy,
      createdByUsername: principal?.username ?? null,
      createdAt: view.createdAt,
    });
    let settle!: (view: JobView) => void;
    const finished = new Promise<JobView>((resolve) => (settle = resolve));
    const job: LiveJob = {
      view,
      spec: spec as JobSpec,
      principals: principal ? [principal] : [],
      controller: new AbortController(),
      listeners: new Set(),
      writes: Promise.resolve(),
      storedEvents: 0,
      storedOutput: 0,
      lastProgressAt: 0,
      finished,
      settle,
    };
    this.live.set(view.id, job);
    place?.release();
    // A revocation while the job was stored found no live job to end: it ends here, before it can start.
    if (principal && !current(principal)) {
      await this.finish(job, 'canceled', null, ACCESS_ENDED_WHILE_QUEUED);
      return { ...job.view };
    }
    this.queue(spec.host).push(job);
    this.pump(spec.host);
    return { ...view };
  }

  reserve(host: string, principal: Principal | undefined): JobPlace {
    if (!principal) return { release: () => undefined };
    this.admit(host, principal);
    return new HeldPlace(host, principal.userId, this.reserved);
  }

  /** 429 when the user's unfinished jobs on the host and the places they hold there reach UNFINISHED_JOBS_PER_USER. */
  private admit(host: string, principal: Principal): void {
    let unfinished = this.reserved.get(placeKey(host, principal.userId)) ?? 0;
    for (const job of this.live.values()) {
      if (job.view.host === host && job.view.createdBy === principal.userId && !FINISHED_STATUSES.includes(job.view.status)) unfinished++;
    }
    if (unfinished >= UNFINISHED_JOBS_PER_USER) {
      throw new ProblemException(
        429,
        'TOO_MANY_JOBS',
        `You have ${UNFINISHED_JOBS_PER_USER} unfinished jobs on host '${host}', the most one user may have there: wait for some to finish, or cancel some.`,
      );
    }
  }

  async finished(id: string): Promise<JobView> {
    const job = this.live.get(id);
    if (job) return job.finished;
    return this.get(id);
  }

  async get(id: string): Promise<JobView> {
    const live = this.live.get(id);
    if (live) return { ...live.view };
    const row = await this.repository.get(id);
    if (!row) throw jobNotFound(id);
    return toJobView(row);
  }

  /**
   * Cancels a queued or running job: aborts its engine request, and answers it canceled (with `reason` as its error,
   * if given). A finished job stays as it is.
   */
  async cancel(id: string, reason: string | null = null): Promise<JobView> {
    const job = this.live.get(id);
    if (!job) return this.get(id);
    // Finished, its store not written yet: its slot is freed already.
    if (FINISHED_STATUSES.includes(job.view.status)) return job.finished;
    job.controller.abort();
    const queue = this.queue(job.view.host);
    const queued = queue.indexOf(job);
    if (queued >= 0) queue.splice(queued, 1);
    else this.release(job.view.host);
    await this.finish(job, 'canceled', null, reason);
    return job.finished;
  }

  /**
   * A job runs under the access of whoever started it: when that access ends, its queued or running jobs end too, as
   * its open streams do, rather than run later (or on) with what it no longer has. When it changes (a role or host
   * roles), a queued job ends (it would start with the old role; started again, it gets the new one), a running one
   * goes on (it was allowed, and has begun). Work several started (dedupeKey) ends with the last of them. A job
   * started by no one (none so far) is left alone.
   */
  private revoke(revocation: Revocation): void {
    const ended = [...this.live.values()].filter((job) => {
      if (job.principals.length === 0 || FINISHED_STATUSES.includes(job.view.status)) return false;
      if (revocation.changed && job.view.status !== 'queued') return false;
      job.principals = job.principals.filter((principal) => !endsAccessOn(revocation, principal, job.view.host));
      return job.principals.length === 0;
    });
    // Queued ones first: a running one's cancel frees its slot, which must not start one that is ending too.
    ended.sort((a, b) => Number(b.view.status === 'queued') - Number(a.view.status === 'queued'));
    const reason = revocation.changed ? ACCESS_CHANGED : ACCESS_ENDED;
    for (const job of ended) {
      this.cancel(job.view.id, reason).catch((error: Error) => this.logger.error(`job ${job.view.id}: ${error.message}`));
    }
  }

  /**
   * Follows a job: its stored events from the start, then live ones, then its end. Answers a
   * function that stops following.
   */
  async follow(id: string, listener: JobListener): Promise<() => void> {
    const job = this.live.get(id);
    let lastSent = 0;
    let stopped = false;
    const buffered: JobEventView[] = [];
    let ended: JobView | undefined;
    let replaying = true;
    const relay: JobListener = {
      event: (event) => {
        if (replaying) buffered.push(event);
        else if (event.id > lastSent) {
          lastSent = event.id;
          listener.event(event);
        }
      },
      end: (view) => {
        if (replaying) ended = view;
        else listener.end(view);
      },
    };
    job?.listeners.add(relay);
    // Replay what is stored, page by page, then what arrived meanwhile.
    if (job) await job.writes;
    for (;;) {
      // What came meanwhile is stored (events are stored before they are relayed): read with the next page, not held.
      buffered.length = 0;
      const page = await this.events(id, lastSent, 500);
      if (stopped) break;
      for (const event of page.items) {
        lastSent = event.id;
        listener.event(event);
        // A client that reads slowly holds the rest back, rather than the whole log at once in its socket.
        if (listener.drained) await listener.drained();
      }
      if (page.nextCursor === null) break;
    }
    replaying = false;
    for (const event of buffered) relay.event(event);
    if (!stopped) {
      if (ended) listener.end(ended);
      else if (!job) listener.end(await this.get(id));
    }
    return () => {
      stopped = true;
      job?.listeners.delete(relay);
    };
  }

  /** The job's events, oldest first, after the event `after`. */
  async events(id: string, after: number, limit: number): Promise<{ items: JobEventView[]; nextCursor: number | null }> {
    if (!this.live.has(id) && !(await this.repository.get(id))) throw jobNotFound(id);
    const rows = await this.repository.events(id, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({ id: row.id, at: row.at, ...(JSON.parse(row.data) as JobEventData) }) as JobEventView),
      nextCursor: rows.length > limit ? page[page.length - 1].id : null,
    };
  }

  private queue(host: string): LiveJob[] {
    let queue = this.queues.get(host);
    if (!queue) this.queues.set(host, (queue = []));
    return queue;
  }

  private release(host: string): void {
    this.running.set(host, Math.max(0, (this.running.get(host) ?? 1) - 1));
    this.pump(host);
  }

  private pump(host: string): void {
    const queue = this.queue(host);
    while (queue.length > 0 && (this.running.get(host) ?? 0) < this.config.jobsPerHost) {
      const job = queue.shift()!;
      this.running.set(host, (this.running.get(host) ?? 0) + 1);
      void this.run(job);
    }
  }

  private async run(job: LiveJob): Promise<void> {
    job.view.status = 'running';
    job.view.startedAt = new Date().toISOString();
    this.write(job, () => this.repository.update(job.view.id, { status: 'running', startedAt: job.view.startedAt }));
    this.record(job, { type: 'status', status: 'running', error: null });
    const context: JobContext = {
      signal: job.controller.signal,
      output: (line) =>
        this.record(job, { type: 'output', line: line.length > JOB_OUTPUT_LINE_MAX ? `${line.slice(0, JOB_OUTPUT_LINE_MAX)}…` : line }),
      progress: (progress) => this.progress(job, progress),
    };
    let outcome: { status: JobStatus; result: object | null; error: string | null };
    try {
      await job.spec.authorize?.();
      // Canceled while its authorization was checked: its work must not start.
      if (job.controller.signal.aborted) return;
      const result = await job.spec.run(context);
      outcome = { status: 'succeeded', result, error: null };
    } catch (error) {
      outcome = { status: 'failed', result: null, error: failureMessage(error) };
    }
    // A canceled job was finished (and its slot freed) by cancel().
    if (job.controller.signal.aborted) return;
    this.release(job.view.host);
    await this.finish(job, outcome.status, outcome.result, outcome.error);
  }

  private progress(job: LiveJob, progress: JobProgress): void {
    if (FINISHED_STATUSES.includes(job.view.status)) return;
    job.view.progress = progress;
    clearTimeout(job.pendingProgress);
    const wait = job.lastProgressAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.emitProgress(job);
    else job.pendingProgress = setTimeout(() => this.emitProgress(job), wait);
  }

  private emitProgress(job: LiveJob): void {
    job.pendingProgress = undefined;
    job.lastProgressAt = Date.now();
    const progress = job.view.progress;
    this.record(job, { type: 'progress', progress });
    this.write(job, () => this.repository.update(job.view.id, { progress: JSON.stringify(progress) }));
  }

  private async finish(job: LiveJob, status: JobStatus, result: object | null, error: string | null): Promise<void> {
    if (FINISHED_STATUSES.includes(job.view.status)) return;
    // The last progress is always kept.
    if (job.pendingProgress) {
      clearTimeout(job.pendingProgress);
      this.emitProgress(job);
    }
    Object.assign(job.view, { status, result, error, finishedAt: new Date().toISOString() });
    const view = { ...job.view };
    this.record(job, { type: 'status', status, error });
    this.write(job, () =>
      this.repository.update(view.id, {
        status,
        result: result && JSON.stringify(result),
        error,
        progress: JSON.stringify(view.progress),
        finishedAt: view.finishedAt,
      }),
    );
    await job.writes;
    this.live.delete(view.id);
    for (const listener of job.listeners) listener.end(view);
    job.settle(view);
  }

  /** Logs an event (capped per job), then hands it to the followers. */
  private record(job: LiveJob, data: JobEventData): void {
    // The final status is always stored: it may exceed the cap by one.
    const stored = JSON.stringify(data);
    // Bytes as stored (UTF-8, JSON escapes included), output lines only.
    const output = data.type === 'output' ? Buffer.byteLength(stored) : 0;
    if (output > 0 && job.storedOutput + output > MAX_OUTPUT_PER_JOB) {
      // From the first line that does not fit on, none is stored: the stored log is a beginning, without holes.
      job.storedOutput = Infinity;
    }
    if (data.type !== 'status' && (job.storedEvents >= MAX_EVENTS_PER_JOB || (data.type === 'output' && job.storedOutput === Infinity))) {
      this.write(job, () => this.repository.countDropped(job.view.id, 1));
      return;
    }
    job.storedEvents++;
    job.storedOutput += output;
    const at = new Date().toISOString();
    this.write(job, async () => {
      const [id] = await this.repository.appendEvents([{ jobId: job.view.id, at, type: data.type, data: stored }]);
      const event = { id, at, ...data } as JobEventView;
      for (const listener of job.listeners) listener.event(event);
    });
  }

  private write(job: LiveJob, work: () => Promise<unknown>): void {
    job.writes = job.writes.then(work).catch((error: Error) => this.logger.error(`job ${job.view.id}: ${error.message}`));
  }
}

function placeKey(host: string, userId: string): string {
  return `${host}\n${userId}`;
}

/** A place reserve() holds among a user's unfinished jobs on a host: counted in `counts` until released. */
class HeldPlace implements JobPlace {
  private held = true;
  private readonly key: string;

  constructor(
    private readonly host: string,
    private readonly userId: string,
    private readonly counts: Map<string, number>,
  ) {
    this.key = placeKey(host, userId);
    counts.set(this.key, (counts.get(this.key) ?? 0) + 1);
  }

  holds(host: string, userId: string | undefined): boolean {
    return this.held && host === this.host && userId === this.userId;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const left = this.counts.get(this.key)! - 1;
    if (left > 0) this.counts.set(this.key, left);
    else this.counts.delete(this.key);
  }
}

/** The same credential: a user's login, or one API key. */
function sameCredential(a: Principal, b: Principal): boolean {
  return a.userId === b.userId && a.apiKeyId === b.apiKeyId && a.sessionId === b.sessionId;
}

export function jobNotFound(id: string): ProblemException {
  return new ProblemException(404, 'JOB_NOT_FOUND', `no job ${id}`);
}

function failureMessage(error: unknown): string {
  if (error instanceof ProblemException) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function toJobView(row: JobRow): JobView {
  return {
    id: row.id,
    kind: row.kind as JobView['kind'],
    host: row.host,
    target: row.target,
    status: row.status as JobStatus,
    progress: JSON.parse(row.progress) as JobProgress,
    result: row.result === null ? null : (JSON.parse(row.result) as object),
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
