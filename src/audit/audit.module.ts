import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditLog } from './audit-log.js';
import { AuditTargetsInterceptor } from './audit-targets.interceptor.js';
import { AuditController } from './audit.controller.js';
import { AuditMiddleware } from './audit.middleware.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { DatabaseAuditLog } from './database-audit-log.js';

@Module({
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    { provide: AuditLog, useClass: DatabaseAuditLog },
    { provide: APP_INTERCEPTOR, useClass: AuditTargetsInterceptor },
  ],
  exports: [AuditLog],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuditMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
