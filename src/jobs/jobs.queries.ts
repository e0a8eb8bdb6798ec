import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { DEFAULT_PAGE_LIMIT, decodeCursor, mapPage, pageFromRows } from '../common/pagination.js';
import type { JobPageDto, JobsQueryDto } from './dto/job.dto.js';
import { redactsFor } from '../common/redaction.js';
import { AppConfig } from '../config/app-config.js';
import { redactJob } from './job-events.js';
import { JobAccess } from './job-access.js';
import { JobsRepository } from './jobs.repository.js';
import { toJobView } from './jobs.service.js';

/** The job list: filters and the cursor (the last job's createdAt and id). */
@Injectable()
export class JobsQueries {
  constructor(
    private readonly repository: JobsRepository,
    private readonly access: JobAccess,
    private readonly config: AppConfig,
  ) {}

  async list(query: JobsQueryDto, principal: Principal | undefined): Promise<JobPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const { rows, total } = await this.repository.find({
      kind: query.kind,
      status: query.status,
      host: query.host,
      hosts: principal && (await this.access.visibleHosts(principal)),
      createdBy: query.mine ? (principal?.userId ?? '') : undefined,
      before: query.cursor === undefined ? undefined : afterJob(query.cursor),
      limit: limit + 1,
    });
    const redaction = this.config.viewerRedaction;
    return mapPage(
      pageFromRows(rows, total, limit, (row) => [row.createdAt, row.id]),
      (row) => {
        const job = toJobView(row);
        // Redacted by the caller's role on the job's host, as one job is.
        return principal && redactsFor(redaction, this.access.roleOnHost(principal, job.host)) ? redactJob(job) : job;
      },
    );
  }
}

function afterJob(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2);
  return { createdAt, id };
}
