import { Kysely, sql } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next. (0007 is the hosts' migration.)
export async function up(db: Kysely<unknown>): Promise<void> {
  // A user's per-host grants, JSON [{host?, label?, role}]: read with the user on every credential check, replaced as a whole.
  await db.schema
    .alterTable('users')
    .addColumn('host_grants', 'text', (col) => col.notNull().defaultTo(sql`'[]'`))
    .execute();
  // An API key restricted to hosts: JSON [glob, ...]; null: every host its owner may reach.
  await db.schema.alterTable('api_keys').addColumn('hosts', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('hosts').execute();
  await db.schema.alterTable('users').dropColumn('host_grants').execute();
}
