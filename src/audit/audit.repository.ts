import { Injectable } from '@nestjs/common';
import type { Insertable, Selectable } from 'kysely';
import { Database } from '../database/database.js';
import type { AuditEventsTable } from '../database/schema.js';

export type AuditEventRow = Selectable<AuditEventsTable> & { targets: string[] };

export interface AuditFilter {
  /** A user id, an API key id or a username. */
  actor?: string;
  action?: string;
  target?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
  /** Only events older than this id (the previous page's cursor). */
  before?: number;
  limit: number;
}

/** The only code that touches the audit tables. There is no update and no delete: the log is append-only. */
@Injectable()
export class AuditRepository {
  constructor(private readonly database: Database) {}

  async append(event: Insertable<AuditEventsTable>, targets: string[]): Promise<void> {
    await this.database.transaction(async (trx) => {
      const { id } = await trx.insertInto('auditEvents').values(event).returning('id').executeTakeFirstOrThrow();
      const unique = [...new Set(targets)];
      if (unique.length > 0) {
        await trx
          .insertInto('auditEventTargets')
          .values(unique.map((target) => ({ eventId: id, target })))
          .execute();
      }
    });
  }

  /** Newest first, and how many match the filter in all. */
  async find(filter: AuditFilter): Promise<{ rows: AuditEventRow[]; total: number }> {
    let query = this.database.db.selectFrom('auditEvents');
    if (filter.actor !== undefined) {
      const actor = filter.actor;
      query = query.where((eb) => eb.or([eb('actorUserId', '=', actor), eb('actorApiKeyId', '=', actor), eb('actorUsername', '=', actor)]));
    }
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.target !== undefined) {
      const target = filter.target;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('auditEventTargets')
            .select('auditEventTargets.eventId')
            .whereRef('auditEventTargets.eventId', '=', 'auditEvents.id')
            .where('auditEventTargets.target', '=', target),
        ),
      );
    }
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('at', '<', filter.to);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    const events = await query.selectAll().orderBy('id', 'desc').limit(filter.limit).execute();
    if (events.length === 0) return { rows: [], total: Number(total) };
    const targets = await this.database.db
      .selectFrom('auditEventTargets')
      .select(['eventId', 'target'])
      .where(
        'eventId',
        'in',
        events.map((e) => e.id),
      )
      .execute();
    return {
      rows: events.map((event) => ({ ...event, targets: targets.filter((t) => t.eventId === event.id).map((t) => t.target) })),
      total: Number(total),
    };
  }
}
