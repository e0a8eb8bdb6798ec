// The cost of one audit row alone, on the database: the repository's append (prepared statements, written at
// once) against the same row through kysely in a transaction, as it was written before; alternating rounds.
//
//   npm run build && node bench/audit-append.mjs [--rows 5000] [--rounds 5]
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditRepository } from '../dist/audit/audit.repository.js';
import { Database } from '../dist/database/database.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '5' } } });
const ROWS = Number(args.rows);
Logger.overrideLogger(false);
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-audit-'));
const database = await Database.open(join(dir, 'data'));
const repository = new AuditRepository(database);

const row = (i) => ({
  at: new Date().toISOString(),
  action: 'POST /api/v1/auth/api-keys',
  actorKind: 'user',
  actorUserId: 'u-bench',
  actorApiKeyId: null,
  actorUsername: 'bench',
  remoteAddress: '127.0.0.1',
  status: 400,
  durationMs: i % 7,
  details: null,
});

/** The append as it was: one kysely transaction, each query compiled and prepared anew. */
async function kyselyAppend(event, targets) {
  await database.transaction(async (trx) => {
    const { id } = await trx.insertInto('auditEvents').values(event).returning('id').executeTakeFirstOrThrow();
    if (targets.length > 0)
      await trx
        .insertInto('auditEventTargets')
        .values(targets.map((target) => ({ eventId: id, target })))
        .execute();
  });
}

const ways = {
  'kysely transaction (before)': kyselyAppend,
  'prepared, at once (now)': (event, targets) => repository.append(event, targets),
};
const results = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
for (let round = 0; round < Number(args.rounds); round += 1) {
  for (const [name, append] of Object.entries(ways)) {
    const started = performance.now();
    for (let i = 0; i < ROWS; i += 1) await append(row(i), [`c-${i}`]);
    results[name].push(((performance.now() - started) * 1000) / ROWS);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`| way (${ROWS} rows with one target, ${args.rounds} alternating rounds) | µs per row (median) | rows/s |`);
console.log('|---|---|---|');
for (const [name, values] of Object.entries(results))
  console.log(`| ${name} | ${median(values).toFixed(1)} | ${Math.round(1e6 / median(values))} |`);
await database.close();
rmSync(dir, { recursive: true, force: true });
