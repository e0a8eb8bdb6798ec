import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import type { JobPageDto, JobsQueryDto } from './dto/job.dto.js';
import { JobsRepository } from './jobs.repository.js';
import { toJobView } from './jobs.service.js';

const DEFAULT_PAGE_SIZE = 50;

/** The job list: filters and the cursor (the last job's createdAt and id, base64url). */
@Injectable()
export class JobsQueries {
  constructor(private readonly repository: JobsRepository) {}

  async list(query: JobsQueryDto, principal: Principal | undefined): Promise<JobPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const { rows, total } = await this.repository.find({
      kind: query.kind,
      status: query.status,
      host: query.host,
      createdBy: query.mine ? (principal?.userId ?? '') : undefined,
      before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toJobView), nextCursor: rows.length > limit ? encodeCursor(last.createdAt, last.id) : null, total };
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // Answered below.
  }
  throw new ProblemException(400, 'VALIDATION_FAILED', 'cursor must be the nextCursor of a previous page', {
    errors: [{ field: 'cursor', message: 'not a cursor this API gave' }],
  });
}
