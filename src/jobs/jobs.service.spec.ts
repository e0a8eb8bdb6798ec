import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Authenticator, Revocation } from '../auth/authenticator.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import type { JobEventView } from './job-events.js';
import type { JobContext, JobSpec, JobView } from './job-types.js';
import { JobsRepository } from './jobs.repository.js';
import {
  ACCESS_CHANGED,
  ACCESS_ENDED,
  BERTH_STOPPED,
  JobsService,
  JOB_OUTPUT_LINE_MAX,
  MAX_EVENTS_PER_JOB,
  MAX_OUTPUT_PER_JOB,
  UNFINISHED_JOBS_PER_USER,
} from './jobs.service.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };
const bot: Principal = { kind: 'apiKey', userId: 'u2', username: 'bob', role: 'operator', apiKeyId: 'k2' };

/** The revocations the service hears, announced by hand; `stale`: principals a revocation ended after they were checked. */
function fakeAuthenticator() {
  const listeners = new Set<(revocation: Revocation) => void>();
  const stale = new Set<Principal>();
  const authenticator = {
    onRevoked(listener: (revocation: Revocation) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    revokedSince: (principal: Principal) => stale.has(principal),
  } as unknown as Authenticator;
  return { authenticator, stale, revoke: (revocation: Revocation) => listeners.forEach((listener) => listener(revocation)) };
}

/** Work the test finishes by hand. */
function gated(spec: Partial<JobSpec> = {}) {
  let resolve!: (value: object) => void;
  let reject!: (error: unknown) => void;
  const contexts: JobContext[] = [];
  const done = new Promise<object>((res, rej) => ((resolve = res), (reject = rej)));
  const job: JobSpec = {
    kind: 'pull',
    host: 'local',
    target: 'app:1',
    ...spec,
    run: (context) => {
      contexts.push(context);
      context.signal.addEventListener('abort', () => reject(new Error('aborted')));
      return done;
    },
  };
  return { job, resolve, reject, contexts };
}

describe('JobsService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const opened: { database: Database; service: JobsService }[] = [];
  afterEach(async () => {
    for (const { database, service } of opened.splice(0)) {
      service.onModuleDestroy();
      await database.close();
    }
    vi.useRealTimers();
  });

  async function open(config: Partial<AppConfig> = {}, dir = mkdtempSync(join(tmpdir(), 'berth-jobs-'))) {
    const database = await Database.open(dir);
    const repository = new JobsRepository(database);
    const { authenticator, revoke, stale } = fakeAuthenticator();
    const service = new JobsService(repository, new AppConfig({ jobsPerHost: 2, ...config }), authenticator);
    await service.onModuleInit();
    opened.push({ database, service });
    return { service, repository, database, dir, revoke, stale, authenticator };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('runs a job and answers it succeeded with its result', async () => {
    const { service } = await open();
    const work = gated();
    const started = await service.start(work.job, operator);
    expect(started).toMatchObject({ createdBy: 'u1', kind: 'pull', target: 'app:1' });
    expect(['queued', 'running']).toContain(started.status);
    work.resolve({ imageId: 'sha256:1' });
    const finished = await service.finished(started.id);
    expect(finished).toMatchObject({ status: 'succeeded', result: { imageId: 'sha256:1' }, error: null });
    expect(finished.startedAt).not.toBeNull();
    expect(await service.get(started.id)).toEqual(finished);
  });

  it("ends the queued and running jobs of a principal whose access ended; others' jobs run on", async () => {
    const { service, revoke } = await open({ jobsPerHost: 1 });
    const running = gated();
    const queued = gated();
    const others = gated();
    const [first, second] = [await service.start(running.job, operator), await service.start(queued.job, operator)];
    const third = await service.start(others.job, bot);
    await settle();
    expect(running.contexts).toHaveLength(1);
    revoke({ apiKeyId: 'k9' });
    revoke({ userId: 'u3' });
    revoke({ sessionId: 's9' });
    expect((await service.get(first.id)).status).toBe('running');
    revoke({ userId: 'u1' });
    for (const id of [first.id, second.id]) {
      expect(await service.finished(id)).toMatchObject({ status: 'canceled', error: ACCESS_ENDED });
    }
    expect(running.contexts[0].signal.aborted).toBe(true);
    // The queued one never ran; the slot went to the bot's job, which goes on.
    expect(queued.contexts).toHaveLength(0);
    await vi.waitFor(() => expect(others.contexts).toHaveLength(1));
    others.resolve({});
    expect(await service.finished(third.id)).toMatchObject({ status: 'succeeded' });
  });

  it('on a role change, ends the queued jobs of the user (they would start with the old role) and lets the running one go on', async () => {
    const { service, revoke } = await open({ jobsPerHost: 1 });
    const running = gated();
    const queued = gated();
    const first = await service.start(running.job, operator);
    const second = await service.start(queued.job, operator);
    await settle();
    revoke({ userId: 'u1', changed: true });
    expect(await service.finished(second.id)).toMatchObject({ status: 'canceled', error: ACCESS_CHANGED, startedAt: null });
    expect((await service.get(first.id)).status).toBe('running');
    running.resolve({});
    expect(await service.finished(first.id)).toMatchObject({ status: 'succeeded' });
    expect(queued.contexts).toHaveLength(0);
  });

  it('refuses to start a job for a principal a revocation ended while its request ran (401), storing nothing', async () => {
    const { service, stale, repository } = await open();
    const late = { ...operator };
    stale.add(late);
    await expect(service.start(gated().job, late)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await repository.hosts()).toEqual([]);
  });

  it('cancels a job, before it starts, whose starter was revoked while it was being stored', async () => {
    const { service, authenticator } = await open();
    vi.spyOn(authenticator, 'revokedSince').mockReturnValueOnce(false).mockReturnValueOnce(true);
    const work = gated();
    const job = await service.start(work.job, operator);
    expect(job).toMatchObject({ status: 'canceled', startedAt: null, error: expect.stringMatching(/^canceled before it started/) });
    expect(await service.get(job.id)).toMatchObject({ status: 'canceled' });
    await settle();
    expect(work.contexts).toHaveLength(0);
  });

  it('keeps shared work (dedupeKey) while someone who started it still has access', async () => {
    const { service, revoke } = await open();
    const work = gated({ dedupeKey: 'pull local app:1' });
    const job = await service.start(work.job, operator);
    expect((await service.start(gated({ dedupeKey: 'pull local app:1' }).job, bot)).id).toBe(job.id);
    revoke({ userId: 'u1' });
    await settle();
    expect((await service.get(job.id)).status).toBe('running');
    revoke({ apiKeyId: 'k2' });
    expect(await service.finished(job.id)).toMatchObject({ status: 'canceled', error: ACCESS_ENDED });
  });

  it('leaves a job no one started alone on a revocation', async () => {
    const { service, revoke } = await open();
    const work = gated();
    const job = await service.start(work.job, undefined);
    revoke({ userId: 'u1' });
    await settle();
    work.resolve({});
    expect(await service.finished(job.id)).toMatchObject({ status: 'succeeded' });
  });

  it('fails a job with the problem detail of its failure', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    work.reject(new ProblemException(404, 'IMAGE_NOT_FOUND', 'manifest unknown'));
    expect(await service.finished(job.id)).toMatchObject({ status: 'failed', error: 'manifest unknown', result: null });
  });

  it('queues past the per-host limit and starts the next when a slot frees; other hosts are not held up', async () => {
    const { service } = await open({ jobsPerHost: 1 });
    const first = gated();
    const second = gated();
    const other = gated({ host: 'other' });
    const a = await service.start(first.job, operator);
    const b = await service.start(second.job, operator);
    await service.start(other.job, operator);
    await settle();
    expect((await service.get(a.id)).status).toBe('running');
    expect((await service.get(b.id)).status).toBe('queued');
    expect(second.contexts).toHaveLength(0);
    expect(other.contexts).toHaveLength(1);
    first.resolve({});
    await service.finished(a.id);
    await settle();
    expect((await service.get(b.id)).status).toBe('running');
    second.resolve({});
    expect((await service.finished(b.id)).status).toBe('succeeded');
  });

  it('authorizes a queued job again as it leaves the queue: refused, it fails with the reason and never runs', async () => {
    const { service } = await open({ jobsPerHost: 1 });
    const first = gated();
    let allowed = true;
    const authorize = vi.fn(async () => {
      if (!allowed) throw new ProblemException(403, 'POLICY_DENIED', 'app:1 is the image of the policy exception admin-app');
    });
    const waiting = gated({ authorize });
    const a = await service.start(first.job, operator);
    const b = await service.start(waiting.job, operator);
    await settle();
    expect((await service.get(b.id)).status).toBe('queued');
    // Meanwhile an admin's policy exception started on the tag the queued job would move.
    allowed = false;
    first.resolve({});
    await service.finished(a.id);
    expect(await service.finished(b.id)).toMatchObject({
      status: 'failed',
      error: 'app:1 is the image of the policy exception admin-app',
      result: null,
    });
    expect(authorize).toHaveBeenCalledTimes(1);
    expect(waiting.contexts).toHaveLength(0);
  });

  it('cancels a running job: its signal aborts and it is canceled, never succeeded', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    const canceled = await service.cancel(job.id);
    expect(canceled.status).toBe('canceled');
    expect(work.contexts[0].signal.aborted).toBe(true);
    expect((await service.get(job.id)).status).toBe('canceled');
  });

  it('cancels a queued job without running it, and frees nothing it did not hold', async () => {
    const { service } = await open({ jobsPerHost: 1 });
    const first = gated();
    const queued = gated();
    const a = await service.start(first.job, operator);
    const b = await service.start(queued.job, operator);
    expect((await service.cancel(b.id)).status).toBe('canceled');
    first.resolve({});
    await service.finished(a.id);
    await settle();
    expect(queued.contexts).toHaveLength(0);
  });

  it('answers the running job for an identical start (same dedupeKey and host)', async () => {
    const { service } = await open();
    const first = gated({ dedupeKey: 'pull local app:1' });
    const again = gated({ dedupeKey: 'pull local app:1' });
    const a = await service.start(first.job, operator);
    const b = await service.start(again.job, operator);
    expect(b.id).toBe(a.id);
    first.resolve({});
    await service.finished(a.id);
    const c = await service.start(gated({ dedupeKey: 'pull local app:1' }).job, operator);
    expect(c.id).not.toBe(a.id);
  });

  it('logs output and status as events, throttles progress and always keeps the last one', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    const context = work.contexts[0];
    context.output('Pulling from app');
    for (let percent = 0; percent <= 50; percent++) context.progress({ percent, currentBytes: percent, totalBytes: 100, layers: [] });
    work.resolve({});
    const finished = await service.finished(job.id);
    expect(finished.progress.percent).toBe(50);
    const { items } = await service.events(job.id, 0, 1000);
    const progress = items.filter((e) => e.type === 'progress');
    expect(progress.length).toBeLessThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ progress: { percent: 50 } });
    expect(items[0]).toMatchObject({ type: 'status', status: 'running' });
    expect(items).toContainEqual(expect.objectContaining({ type: 'output', line: 'Pulling from app' }));
    expect(items.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
  });

  it('holds a user to UNFINISHED_JOBS_PER_USER unfinished jobs per host, places held for jobs to come included; others, other hosts and finished jobs do not count', async () => {
    const { service } = await open();
    const tooMany = expect.objectContaining({ code: 'TOO_MANY_JOBS' });
    const works = Array.from({ length: UNFINISHED_JOBS_PER_USER - 2 }, (_, i) => gated({ target: `app:${i}`, dedupeKey: `pull app:${i}` }));
    for (const work of works) await service.start(work.job, operator);
    // Two places held (an upload being received, a prune plan about to be used): the count is full.
    const upload = service.reserve('local', operator);
    const prune = service.reserve('local', operator);
    expect(() => service.reserve('local', operator)).toThrow(tooMany);
    await expect(service.start(gated({ target: 'one-more' }).job, operator)).rejects.toMatchObject({ code: 'TOO_MANY_JOBS' });
    // Given back twice, a place frees one place only: the other still counts.
    prune.release();
    prune.release();
    const again = service.reserve('local', operator);
    expect(() => service.reserve('local', operator)).toThrow(tooMany);
    again.release();
    // A held place is the job's admission, and the job takes it: the count stays full, not one over.
    await expect(service.start(gated({ target: 'the-upload' }).job, operator, upload)).resolves.toMatchObject({ target: 'the-upload' });
    upload.release();
    await expect(service.start(gated({ target: 'pull' }).job, operator)).resolves.toMatchObject({ target: 'pull' });
    expect(() => service.reserve('local', operator)).toThrow(tooMany);
    await expect(service.start(gated({ target: 'over' }).job, operator)).rejects.toMatchObject({ code: 'TOO_MANY_JOBS' });
    // Another user, another host: their own count. The same work again joins the job there is: no new job, no refusal.
    await expect(service.start(gated({ target: 'theirs' }).job, bot)).resolves.toMatchObject({ createdBy: 'u2' });
    await expect(service.start(gated({ host: 'other', target: 'elsewhere' }).job, operator)).resolves.toMatchObject({ host: 'other' });
    expect((await service.start(gated({ target: 'app:0', dedupeKey: 'pull app:0' }).job, bot)).createdBy).toBe('u1');
    // Someone else's place is no admission.
    const theirs = service.reserve('local', bot);
    await expect(service.start(gated({ target: 'borrowed' }).job, operator, theirs)).rejects.toMatchObject({ code: 'TOO_MANY_JOBS' });
    theirs.release();
    // A job finished makes room.
    await settle();
    works[0].resolve({});
    await settle();
    await expect(service.start(gated({ target: 'after-finish' }).job, operator)).resolves.toMatchObject({ target: 'after-finish' });
    expect(() => service.reserve('local', operator)).toThrow(tooMany);
    service.reserve('local', undefined).release();
  });

  it('caps the events of a job and counts the rest', async () => {
    const { service, repository } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    for (let i = 0; i < MAX_EVENTS_PER_JOB + 5; i++) work.contexts[0].output(`line ${i}`);
    work.resolve({});
    await service.finished(job.id);
    let count = 0;
    for (let after = 0; ;) {
      const page = await service.events(job.id, after, 1000);
      count += page.items.length;
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    // The cap, plus the final status.
    expect(count).toBe(MAX_EVENTS_PER_JOB + 1);
    expect((await repository.get(job.id))?.droppedEvents).toBe(6);
  }, 30_000);

  it('caps the output a job stores: from the first line past MAX_OUTPUT_PER_JOB on, lines are counted, progress and the final status still stored', async () => {
    const { service, repository } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    // Two bytes a character: the cap counts bytes as stored, not characters.
    const long = 'é'.repeat(JOB_OUTPUT_LINE_MAX / 2);
    const fitting = Math.floor(MAX_OUTPUT_PER_JOB / Buffer.byteLength(JSON.stringify({ type: 'output', line: long })));
    for (let i = 0; i < fitting + 3; i++) work.contexts[0].output(long);
    // A short line after the cap is not stored either: the stored log has no holes.
    work.contexts[0].output('short');
    work.contexts[0].progress({ percent: 99, currentBytes: 99, totalBytes: 100, layers: [] });
    work.resolve({});
    await service.finished(job.id);
    const items = [];
    for (let after = 0; ;) {
      const page = await service.events(job.id, after, 1000);
      items.push(...page.items);
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    expect(items.filter((item) => item.type === 'output')).toHaveLength(fitting);
    expect(items.some((item) => item.type === 'output' && item.line === 'short')).toBe(false);
    expect(items.filter((item) => item.type === 'progress').length).toBeGreaterThan(0);
    expect(items.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
    expect((await repository.get(job.id))?.droppedEvents).toBe(4);
  }, 30_000);

  it('follow replays the stored events, then follows live, then ends', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    work.contexts[0].output('before');
    const seen: JobEventView[] = [];
    const ended = new Promise<JobView>((resolve) => void service.follow(job.id, { event: (e) => seen.push(e), end: resolve }));
    await settle();
    work.contexts[0].output('after');
    work.resolve({});
    expect((await ended).status).toBe('succeeded');
    expect(seen.map((e) => (e.type === 'output' ? e.line : e.type === 'status' ? e.status : 'progress'))).toEqual([
      'running',
      'before',
      'after',
      'succeeded',
    ]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
  });

  it('follow replays the stored log as the listener drains, and holds nothing that came meanwhile', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    for (let i = 0; i < 1200; i++) work.contexts[0].output(`line ${i}`);
    await settle();
    let seen = 0;
    let full = true;
    const waiting: Array<() => void> = [];
    const ended = new Promise<JobView>(
      (resolve) =>
        void service.follow(job.id, {
          event: () => seen++,
          end: resolve,
          // Full: the next event waits until the client has taken what it holds.
          drained: () => (full ? new Promise<void>((release) => waiting.push(release)) : Promise.resolve()),
        }),
    );
    await settle();
    expect(seen).toBe(1);
    waiting.shift()!();
    await settle();
    expect(seen).toBe(2);
    // More output while the client is slow: stored, read with a later page (not held beside the replay).
    for (let i = 1200; i < 1300; i++) work.contexts[0].output(`line ${i}`);
    work.resolve({});
    await service.finished(job.id);
    full = false;
    waiting.shift()!();
    // running + 1300 lines + succeeded, each once
    expect((await ended).status).toBe('succeeded');
    expect(seen).toBe(1302);
  });

  it('keeps at most JOB_OUTPUT_LINE_MAX characters of one output line', async () => {
    const { service } = await open();
    const work = gated();
    const job = await service.start(work.job, operator);
    await settle();
    work.contexts[0].output('x'.repeat(JOB_OUTPUT_LINE_MAX * 4));
    work.resolve({});
    await service.finished(job.id);
    const lines = (await service.events(job.id, 0, 10)).items.flatMap((e) => (e.type === 'output' ? [e.line] : []));
    expect(lines).toEqual([`${'x'.repeat(JOB_OUTPUT_LINE_MAX)}…`]);
  });

  it('marks jobs queued or running when Berth stopped as failed "Berth stopped" at the next start', async () => {
    const { service, dir, database } = await open({ jobsPerHost: 1 });
    const running = await service.start(gated().job, operator);
    const queued = await service.start(gated().job, operator);
    await settle();
    // A stop without a goodbye: nothing finishes the jobs.
    opened.splice(0);
    await database.close();
    const again = await open({ jobsPerHost: 1 }, dir);
    for (const id of [running.id, queued.id]) {
      expect(await again.service.get(id)).toMatchObject({ status: 'failed', error: BERTH_STOPPED });
    }
  });

  it('sweeps finished jobs older than the retention, with their events, and keeps the rest', async () => {
    const { service } = await open({ jobRetentionHours: 1 });
    const work = gated();
    const job = await service.start(work.job, operator);
    work.resolve({});
    await service.finished(job.id);
    expect(await service.sweep(Date.now() + 30 * 60_000)).toBe(0);
    expect(await service.sweep(Date.now() + 2 * 3_600_000)).toBe(1);
    await expect(service.get(job.id)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(service.events(job.id, 0, 10)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('answers 404 JOB_NOT_FOUND for an unknown job', async () => {
    const { service } = await open();
    await expect(service.get('0b7f2a1e-1111-4222-8333-444455556666')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(service.cancel('0b7f2a1e-1111-4222-8333-444455556666')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});
