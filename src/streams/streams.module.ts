import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { ExecSessions } from './exec-sessions.js';
import { LiveFeeds } from './live-feeds.js';
import { LogStreams } from './log-streams.js';
import { StreamAccess } from './stream-access.js';
import { StreamAudit } from './stream-audit.js';
import { StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';
import { EventsGateway, ExecGateway, LogsGateway, StatsGateway } from './stream.gateways.js';
import { WsTicketsController } from './ws-tickets.controller.js';
import { WsTickets } from './ws-tickets.js';

/**
 * WebSocket channels: logs, exec, events, stats, and the tickets browsers use to open them.
 * Needs an `Authenticator` bound elsewhere (the auth module); it binds none itself.
 */
@Module({
  imports: [ContainersModule, DockerModule, AuditModule, AuthModule],
  controllers: [WsTicketsController],
  providers: [
    WsTickets,
    StreamMetrics,
    StreamAccess,
    StreamSessions,
    StreamAudit,
    LogStreams,
    ExecSessions,
    LiveFeeds,
    LogsGateway,
    ExecGateway,
    EventsGateway,
    StatsGateway,
  ],
})
export class StreamsModule {}
