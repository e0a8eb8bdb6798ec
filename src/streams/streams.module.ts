import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ChannelOpener } from './channel-opener.js';
import { ChannelRuntime } from './channel-runtime.js';
import { StreamAccess } from './stream-access.js';
import { StreamAudit } from './stream-audit.js';
import { StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';
import { CHANNELS, STREAM_GATEWAYS } from './stream.gateways.js';
import { WsTicketsController } from './ws-tickets.controller.js';
import { WsTickets } from './ws-tickets.js';

/**
 * WebSocket channels (see `CHANNELS`: logs, service logs, exec, attach, events, stats, jobs) and the tickets browsers use
 * to open them. Needs an `Authenticator` bound elsewhere (the auth module); it binds none itself.
 * Imports ContainersModule for exec's and attach's entry policy, JobsModule for the jobs channel.
 */
@Module({
  imports: [ContainersModule, DockerModule, AuditModule, AuthModule, JobsModule],
  controllers: [WsTicketsController],
  providers: [
    WsTickets,
    StreamMetrics,
    StreamAccess,
    StreamSessions,
    StreamAudit,
    ChannelOpener,
    ChannelRuntime,
    // One feed may serve several channels (LogStreams: container and service logs).
    ...new Set(CHANNELS.map((channel) => channel.feed)),
    ...STREAM_GATEWAYS,
  ],
})
export class StreamsModule {}
