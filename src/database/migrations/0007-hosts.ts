import { Kysely } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hosts')
    // The path segment of /api/v1/hosts/{id}/...: ^[a-z0-9][a-z0-9-]{0,62}$, never `local` or `all`.
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    // tcp://host:port or ssh://user@host[:port].
    .addColumn('url', 'text', (col) => col.notNull())
    // tcp:// without TLS, asked for explicitly.
    .addColumn('plain_http', 'integer', (col) => col.notNull().defaultTo(0))
    // PEM; the CA and the client certificate are public, the client's key is sealed (src/registries/secret-box.ts).
    .addColumn('tls_ca', 'text')
    .addColumn('tls_cert', 'text')
    .addColumn('tls_key_sealed', 'text')
    // OpenSSH text; the private key sealed, the pinned host key plain (it is public).
    .addColumn('ssh_private_key_sealed', 'text')
    .addColumn('ssh_known_host_key', 'text')
    // JSON object of string labels.
    .addColumn('labels', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hosts').execute();
}
