import { Injectable } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { redactsFor } from '../common/redaction.js';
import { type JobEventView, redactJobEvent } from '../jobs/job-events.js';
import { JobAccess } from '../jobs/job-access.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode, closeReason } from './close-codes.js';
import type { FanoutLimits } from './fanout.js';
import { JobStreamQueryDto } from './dto/job-stream-query.dto.js';

export type JobStreamContext = ChannelContext<JobStreamQueryDto, 'none'>;

/**
 * `/api/v1/ws/jobs?id=`: the job's events from its first (the stored log, as `GET /jobs/{id}/events`
 * pages it), then live ones, then 1000 when it has finished. The stored log is replayed a page at a time
 * as the client reads it; one that holds more than BERTH_STREAM_BUFFER_BYTES unread for longer than
 * BERTH_STREAM_STALL_TIMEOUT_MS is closed with 4000 and where to read on (`GET /jobs/{id}/events?cursor=`).
 */
@Injectable()
export class JobFeed implements ChannelFeed<JobStreamContext> {
  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly jobs: JobsService,
    private readonly access: JobAccess,
  ) {}

  /** An unknown job, or one on a host the caller may not see, is a 404 before the upgrade; the stream then has the caller's role on that host. */
  async check(context: JobStreamContext): Promise<void> {
    context.principal = (await this.access.open(context.principal, context.query.id)).principal;
  }

  attach(socket: WebSocket, context: JobStreamContext): void {
    let stop: (() => void) | undefined;
    let closed = false;
    const outbox = new Outbox(socket, this.runtime.limits, context.query.id);
    if (!this.runtime.admit(socket, 'jobs', context, () => ((closed = true), outbox.close(), stop?.()))) return;
    const redacts = redactsFor(this.runtime.config.viewerRedaction, context.principal.role);
    this.jobs
      .follow(context.query.id, {
        event: (event) => outbox.send(redacts ? redactJobEvent(event) : event),
        end: (job) => {
          if (socket.readyState === socket.OPEN) socket.close(CloseCode.normal, `job ${job.status}`);
        },
        drained: () => outbox.drained(),
      })
      .then(
        (unfollow) => (closed ? unfollow() : (stop = unfollow)),
        (error: { detail?: string }) => socket.close(CloseCode.internalError, error.detail ?? 'the job log could not be read'),
      );
  }
}

export const jobsChannel = declareChannel({
  name: 'jobs',
  path: '/api/v1/ws/jobs',
  query: JobStreamQueryDto,
  role: 'viewer',
  target: 'none',
  feed: JobFeed,
});

/** What one jobs socket has sent and the client not yet taken: bounded as the other channels' fan-out is. */
export class Outbox {
  private pending = 0;
  private lastId = 0;
  private stall?: NodeJS.Timeout;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: FanoutLimits,
    private readonly jobId: string,
  ) {}

  send(event: JobEventView): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const frame = JSON.stringify(event);
    const bytes = Buffer.byteLength(frame);
    this.pending += bytes;
    this.socket.send(frame, () => {
      this.pending -= bytes;
      this.lastId = Math.max(this.lastId, event.id);
      if (this.pending <= this.limits.bufferBytes / 2) this.settle();
    });
    if (this.pending > this.limits.bufferBytes && !this.stall) {
      this.stall = setTimeout(() => {
        const resume = `/api/v1/jobs/${this.jobId}/events?cursor=${this.lastId}`;
        this.socket.close(CloseCode.slowConsumer, closeReason(`slow consumer: read on with GET ${resume}`));
      }, this.limits.stallTimeoutMs);
    }
  }

  /** Settles once what is unsent is back under the bound (at once when it is, or when the socket is gone). */
  drained(): Promise<void> {
    if (this.pending <= this.limits.bufferBytes || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.settle();
  }

  private settle(): void {
    clearTimeout(this.stall);
    this.stall = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
