import { Injectable } from '@nestjs/common';
import { type Insertable, type Selectable, type Updateable, sql } from 'kysely';
import { Database } from '../database/database.js';
import type { JobEventsTable, JobsTable } from '../database/schema.js';

export type JobRow = Selectable<JobsTable>;
export type JobEventRow = Selectable<JobEventsTable>;

export interface JobFilter {
  kind?: string;
  status?: string;
  host?: string;
  /** Only jobs of these hosts (the ones the caller may see). */
  hosts?: string[];
  createdBy?: string;
  /** Only jobs after this one in the order (newest first): the previous page's last job. */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** The only code that touches the jobs tables. */
@Injectable()
export class JobsRepository {
  constructor(private readonly database: Database) {}

  async insert(job: Insertable<JobsTable>): Promise<void> {
    await this.database.db.insertInto('jobs').values(job).execute();
  }

  async update(id: string, patch: Updateable<JobsTable>): Promise<void> {
    await this.database.db.updateTable('jobs').set(patch).where('id', '=', id).execute();
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first, and how many match the filter in all. */
  async find(filter: JobFilter): Promise<{ rows: JobRow[]; total: number }> {
    let query = this.database.db.selectFrom('jobs');
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.host !== undefined) query = query.where('host', '=', filter.host);
    if (filter.hosts !== undefined)
      query = filter.hosts.length > 0 ? query.where('host', 'in', filter.hosts) : query.where(sql<boolean>`0`);
    if (filter.createdBy !== undefined) query = query.where('createdBy', '=', filter.createdBy);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const before = filter.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('createdAt', '<', before.createdAt), eb.and([eb('createdAt', '=', before.createdAt), eb('id', '<', before.id)])]),
      );
    }
    const rows = await query.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return { rows, total: Number(total) };
  }

  /** Every host that has jobs. */
  async hosts(): Promise<string[]> {
    const rows = await this.database.db.selectFrom('jobs').select('host').distinct().execute();
    return rows.map((row) => row.host);
  }

  /** Stores events in order; answers their ids. */
  async appendEvents(events: Insertable<JobEventsTable>[]): Promise<number[]> {
    if (events.length === 0) return [];
    const rows = await this.database.db.insertInto('jobEvents').values(events).returning('id').execute();
    return rows.map((row) => row.id);
  }

  async countDropped(id: string, count: number): Promise<void> {
    await this.database.db
      .updateTable('jobs')
      .set((eb) => ({ droppedEvents: eb('droppedEvents', '+', count) }))
      .where('id', '=', id)
      .execute();
  }

  /** Oldest first, after the event `after`. */
  async events(jobId: string, after: number, limit: number): Promise<JobEventRow[]> {
    return this.database.db
      .selectFrom('jobEvents')
      .selectAll()
      .where('jobId', '=', jobId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Jobs queued or running when Berth stopped: nothing runs them any more. */
  async failUnfinished(error: string, at: string): Promise<number> {
    const result = await this.database.db
      .updateTable('jobs')
      .set({ status: 'failed', error, finishedAt: at })
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes jobs finished before `at`, with their events (cascade). */
  async deleteFinishedBefore(at: string): Promise<number> {
    const result = await this.database.db
      .deleteFrom('jobs')
      .where('finishedAt', 'is not', null)
      .where('finishedAt', '<', at)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
