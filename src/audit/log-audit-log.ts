import { Injectable, Logger } from '@nestjs/common';
import { AuditLog, AuditRecord } from './audit-log.js';

/** Until the audit log has its table: records go to the structured log. */
@Injectable()
export class LogAuditLog extends AuditLog {
  private readonly logger = new Logger('Audit');

  async record(record: AuditRecord): Promise<void> {
    this.logger.log({ msg: 'audit', ...record });
  }
}
