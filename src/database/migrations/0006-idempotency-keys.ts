import { Kysely } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next. (0005 is the refresh tokens' migration.)
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    // The user a request was made as (an API key's owner): one user never sees another's answer.
    .addColumn('principal_id', 'text', (col) => col.notNull())
    // `POST /api/v1/hosts/local/containers`: the method and the path, query apart.
    .addColumn('route', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    // SHA-256 of the canonical JSON of the query and body: the request itself is never stored.
    .addColumn('request_hash', 'text', (col) => col.notNull())
    // Null while the first request runs.
    .addColumn('status', 'integer')
    // JSON {headers, body} of the first answer, once it is known.
    .addColumn('answer', 'text')
    // The process that runs it: an in-flight row of a process that is gone is abandoned.
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal_id', 'route', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expires_at').on('idempotency_keys').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
