import { Kysely } from 'kysely';

// Migrations are frozen: never edit one that shipped, add the next.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('registries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('kind', 'text', (col) => col.notNull())
    // The host as image references name it (normalised, lowercase): credentials are matched on it exactly.
    .addColumn('host', 'text', (col) => col.notNull().unique())
    .addColumn('api_url', 'text', (col) => col.notNull())
    .addColumn('username', 'text')
    // Sealed with AES-256-GCM (src/registries/secret-box.ts): key id, IV, tag and ciphertext; never plain text.
    .addColumn('password_sealed', 'text')
    .addColumn('identity_token_sealed', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('registries').execute();
}
