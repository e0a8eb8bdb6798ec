import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from './audit/audit.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { MetricsModule } from './common/metrics.js';
import { ProblemFilter } from './common/problem.filter.js';
import { StrictQueryInterceptor } from './common/strict-query.interceptor.js';
import { ConfigModule } from './config/config.module.js';
import { DockerModule } from './docker/docker.module.js';
import { DevAuthenticatorModule } from './streams/dev-authenticator.js'; // TEMPORARY: delete at the issue-3 merge
import { StreamsModule } from './streams/streams.module.js';
import { SystemModule } from './system/system.module.js';

@Module({
  imports: [ConfigModule, MetricsModule, AuditModule, DockerModule, SystemModule, StreamsModule, DevAuthenticatorModule],
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_INTERCEPTOR, useClass: StrictQueryInterceptor },
  ],
})
export class AppModule {}
