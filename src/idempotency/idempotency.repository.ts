import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { Database } from '../database/database.js';
import type { IdempotencyKeysTable } from '../database/schema.js';

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;

/** A key's place: whose, on which route, which key. */
export interface KeyScope {
  /** The credential's: the user's id for their sessions, an API key's id for that key. */
  principalId: string;
  route: string;
  key: string;
}

/** A stored answer: its status, the headers that matter (Location) and its JSON body. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The only code that touches the idempotency_keys table. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly database: Database) {}

  /** Takes the key for a new request; false when it is already stored (SQLite's unique key decides, atomically). */
  async claim(scope: KeyScope, claim: { requestHash: string; owner: string; createdAt: string; expiresAt: string }): Promise<boolean> {
    const result = await this.database.db
      .insertInto('idempotencyKeys')
      .values({ ...scope, ...claim, status: null, answer: null })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async find(scope: KeyScope): Promise<IdempotencyKeyRow | undefined> {
    return this.database.db
      .selectFrom('idempotencyKeys')
      .selectAll()
      .where('principalId', '=', scope.principalId)
      .where('route', '=', scope.route)
      .where('key', '=', scope.key)
      .executeTakeFirst();
  }

  async complete(scope: KeyScope, answer: StoredAnswer): Promise<void> {
    await this.database.db
      .updateTable('idempotencyKeys')
      .set({ status: answer.status, answer: JSON.stringify({ headers: answer.headers, body: answer.body ?? null }) })
      .where('principalId', '=', scope.principalId)
      .where('route', '=', scope.route)
      .where('key', '=', scope.key)
      .execute();
  }

  /** Frees a key (its request failed in a way a retry must run again), or the stale row `createdAt` names. */
  async release(scope: KeyScope, createdAt?: string): Promise<void> {
    let query = this.database.db
      .deleteFrom('idempotencyKeys')
      .where('principalId', '=', scope.principalId)
      .where('route', '=', scope.route)
      .where('key', '=', scope.key);
    if (createdAt !== undefined) query = query.where('createdAt', '=', createdAt);
    await query.execute();
  }

  /** Forgets keys past their 24 h. */
  async purgeExpired(now: string): Promise<number> {
    const result = await this.database.db.deleteFrom('idempotencyKeys').where('expiresAt', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
