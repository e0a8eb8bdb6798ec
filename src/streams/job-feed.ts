import { Injectable } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { redactsFor } from '../common/redaction.js';
import { redactJobEvent } from '../jobs/job-events.js';
import { JobAccess } from '../jobs/job-access.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode } from './close-codes.js';
import { JobStreamQueryDto } from './dto/job-stream-query.dto.js';

export type JobStreamContext = ChannelContext<JobStreamQueryDto, 'none'>;

/**
 * `/api/v1/ws/jobs?id=`: the job's events from its first (the stored log, as `GET /jobs/{id}/events`
 * pages it), then live ones, then 1000 when it has finished. A job logs at most 10 000 events, so
 * what one socket may hold is bounded by the job, not by the client.
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
    if (!this.runtime.admit(socket, 'jobs', context, () => ((closed = true), stop?.()))) return;
    const send = (value: object) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
    };
    const redacts = redactsFor(this.runtime.config.viewerRedaction, context.principal.role);
    this.jobs
      .follow(context.query.id, {
        event: (event) => send(redacts ? redactJobEvent(event) : event),
        end: (job) => {
          if (socket.readyState === socket.OPEN) socket.close(CloseCode.normal, `job ${job.status}`);
        },
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
