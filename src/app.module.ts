import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from './audit/audit.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { RateLimitGuard } from './auth/rate-limit.js';
import { MetricsModule } from './common/metrics.js';
import { ProblemFilter } from './common/problem.filter.js';
import { JsonBodyInterceptor } from './common/json-body.interceptor.js';
import { StrictQueryInterceptor } from './common/strict-query.interceptor.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ContainersModule } from './containers/containers.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DockerModule } from './docker/docker.module.js';
import { FleetModule } from './fleet/fleet.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { HostsModule } from './hosts/hosts.module.js';
import { ImagesModule } from './images/images.module.js';
import { RegistriesModule } from './registries/registries.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { PruneModule } from './prune/prune.module.js';
import { StreamsModule } from './streams/streams.module.js';
import { SystemModule } from './system/system.module.js';
import { UpdatesModule } from './updates/updates.module.js';
import { UsersModule } from './users/users.module.js';
import { NetworksModule } from './networks/networks.module.js';
import { SwarmServicesModule } from './swarm-services/swarm-services.module.js';
import { VolumesModule } from './volumes/volumes.module.js';
import { SwarmModule } from './swarm/swarm.module.js';

@Module({
  imports: [
    MetricsModule,
    DatabaseModule,
    AuthModule,
    // The access guard resolves the host of a route under /hosts/{host}.
    DockerModule,
    UsersModule,
    AuditModule,
    SystemModule,
    HostsModule,
    ContainersModule,
    JobsModule,
    ImagesModule,
    VolumesModule,
    NetworksModule,
    FleetModule,
    SwarmModule,
    SwarmServicesModule,
    PruneModule,
    RegistriesModule,
    StreamsModule,
    UpdatesModule,
    IdempotencyModule,
  ],
  providers: [
    // In this order: who is calling (and may they), then how often.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_INTERCEPTOR, useClass: StrictQueryInterceptor },
    { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
  ],
})
export class AppModule {
  /** Berth on a configuration loaded once, by its caller. */
  static withConfig(config: AppConfig): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config)] };
  }
}
