import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { AuditService } from './audit.service.js';
import { AuditPageDto, AuditQueryDto } from './dto/audit.dto.js';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /**
   * What happened, newest first: every mutating request, every login and every interactive exec
   * (`container.exec.start`, `container.exec.end`), with who, from where, the targets and the result. Append-only.
   */
  @Get()
  @RequireRole('admin')
  listAuditEvents(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(query);
  }
}
