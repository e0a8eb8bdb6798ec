import { Injectable } from '@nestjs/common';
import type { Insertable, Selectable } from 'kysely';
import { Database, type PreparedStatement } from '../database/database.js';
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

  /** Every mutating request appends one: prepared once, written at once (see Database.runNow). */
  private statements?: { event: PreparedStatement; target: PreparedStatement };

  async append(event: Insertable<AuditEventsTable>, targets: string[]): Promise<void> {
    const unique = [...new Set(targets)];
    if (this.appendNow(event, unique)) return;
    await this.database.transaction(async (trx) => {
      const { id } = await trx.insertInto('auditEvents').values(event).returning('id').executeTakeFirstOrThrow();
      if (unique.length > 0) {
        await trx
          .insertInto('auditEventTargets')
          .values(unique.map((target) => ({ eventId: id, target })))
          .execute();
      }
    });
  }

  private appendNow(event: Insertable<AuditEventsTable>, targets: string[]): boolean {
    this.statements ??= {
      event: this.database.prepare(
        'insert into audit_events (at, action, actor_kind, actor_user_id, actor_api_key_id, actor_username, remote_address, status, duration_ms, details) ' +
          'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      target: this.database.prepare('insert into audit_event_targets (event_id, target) values (?, ?)'),
    };
    const { event: insertEvent, target: insertTarget } = this.statements;
    return this.database.runNow(() => {
      const { lastInsertRowid: id } = insertEvent.run(
        event.at,
        event.action,
        event.actorKind ?? null,
        event.actorUserId ?? null,
        event.actorApiKeyId ?? null,
        event.actorUsername ?? null,
        event.remoteAddress ?? null,
        event.status,
        event.durationMs ?? null,
        event.details ?? null,
      );
      for (const target of targets) insertTarget.run(id, target);
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
