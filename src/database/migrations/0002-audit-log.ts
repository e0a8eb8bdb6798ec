import { Kysely } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    // No foreign keys: the log outlives the users and keys it names.
    .addColumn('actor_kind', 'text')
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_api_key_id', 'text')
    .addColumn('actor_username', 'text')
    .addColumn('remote_address', 'text')
    .addColumn('status', 'integer', (col) => col.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').column('action').execute();
  await db.schema.createIndex('audit_events_actor_user_id').on('audit_events').column('actor_user_id').execute();

  await db.schema
    .createTable('audit_event_targets')
    .addColumn('event_id', 'integer', (col) => col.notNull().references('audit_events.id'))
    .addColumn('target', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('audit_event_targets_pk', ['event_id', 'target'])
    .execute();
  await db.schema.createIndex('audit_event_targets_target').on('audit_event_targets').column('target').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_event_targets').execute();
  await db.schema.dropTable('audit_events').execute();
}
