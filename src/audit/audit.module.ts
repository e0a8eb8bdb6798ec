import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log.js';
import { LogAuditLog } from './log-audit-log.js';

@Global()
@Module({ providers: [{ provide: AuditLog, useClass: LogAuditLog }], exports: [AuditLog] })
export class AuditModule {}
