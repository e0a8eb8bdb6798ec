import { Kysely } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('host', 'text', (col) => col.notNull())
    .addColumn('target', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    // JSON: the progress as it stands, the result.
    .addColumn('progress', 'text', (col) => col.notNull())
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    // No foreign key: a job outlives the user who started it.
    .addColumn('created_by', 'text')
    .addColumn('created_by_username', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    // Events past the cap, counted rather than stored.
    .addColumn('dropped_events', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').column('status').execute();
  await db.schema.createIndex('jobs_finished_at').on('jobs').column('finished_at').execute();

  await db.schema
    .createTable('job_events')
    .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    .addColumn('job_id', 'text', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    // JSON: an output line's text, or a progress.
    .addColumn('data', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('job_events_job_id').on('job_events').columns(['job_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_events').execute();
  await db.schema.dropTable('jobs').execute();
}
