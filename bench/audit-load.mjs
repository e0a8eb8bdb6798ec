// Reads while the audit log is written: is the latency of reads the same with 10 000 audit rows a minute?
//
//   npm run build && node bench/audit-load.mjs [--writes 167] [--reads 100] [--seconds 10] [--rounds 3]
//
// Starts the built Berth on its own data dir, logs in as the admin it creates, then alternates rounds of
//   - reads only: `GET /api/v1/auth/me` (audit-free) at a steady rate, and
//   - the same reads while `--writes` audited requests a second go out: `POST /api/v1/auth/api-keys` with an
//     empty body, refused with 400 by validation and audited like every mutating request (one row each),
//   - the same reads while as many twin requests a second go out that cost the same but write no row:
//     `GET /api/v1/audit?limit=0`, refused with 400 by validation (a GET is never audited), so that the
//     difference between the last two is what the audit rows themselves cost the reads;
// all paced (open loop: each request leaves at its time whatever the others do), so that a slower read shows
// as latency, not as fewer reads. It counts the rows the audit log really got (`GET /api/v1/audit` total) and
// prints the medians of the rounds (`--prof <dir>`: Berth runs with --cpu-prof). Creates nothing on the engine; its data dir is removed at the end.
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { launchBerth, login } from '../scripts/berth-process.mjs';
import { request } from './http.mjs';

const { values: args } = parseArgs({
  options: {
    writes: { type: 'string', default: '167' },
    reads: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    main: { type: 'string', default: process.env.BENCH_BERTH_MAIN ?? 'dist/main.js' },
    prof: { type: 'string' },
  },
});
const WRITES = Number(args.writes);
const READS = Number(args.reads);
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const admin = { username: 'bench-admin', password: 'bench-admin-password' };

const nodeArgs = args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : [];
const berth = await launchBerth({ main: args.main, nodeArgs, admin, keepOutput: false, env: { BERTH_RATE_LIMIT: '0' } });
const { hostname, port } = new URL(berth.url);
const token = await login(berth.url, admin);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// A keep-alive socket Berth closed just as a request went out (ECONNRESET) is retried once on a new one.
const call = (method, path, body) => {
  const send = () => request({ host: hostname, port, method, path, agent, headers: { authorization: `Bearer ${token}` } }, body);
  return send().catch((error) => (error.code === 'ECONNRESET' ? send() : Promise.reject(error)));
};

/** Sends `rate` requests a second for `seconds`, each at its time; latencies in ms (from its scheduled time) and statuses. */
async function paced(rate, seconds, send) {
  const latencies = [];
  const statuses = new Map();
  const pending = [];
  const start = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      send().then(({ status }) => {
        latencies.push(performance.now() - Math.max(due, start));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(pending);
  return { latencies, statuses, seconds: (performance.now() - start) / 1000 };
}

/** Berth's CPU time so far (user + system), in ms: what it spent, which other load on the machine barely moves. */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${berth.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const auditTotal = async () => JSON.parse((await call('GET', '/api/v1/audit?limit=1')).body).total;
const read = () => call('GET', '/api/v1/auth/me');
const write = () => call('POST', '/api/v1/auth/api-keys', {});
const twin = () => call('GET', '/api/v1/audit?limit=0');
const KINDS = { quiet: 'reads only      ', twin: 'reads + twins   ', audited: 'reads + writes  ' };

async function round(kind) {
  const before = await auditTotal();
  const cpuBefore = cpuMs();
  const [reads, writes] = await Promise.all([
    paced(READS, SECONDS, read),
    kind === 'quiet' ? Promise.resolve(undefined) : paced(WRITES, SECONDS, kind === 'twin' ? twin : write),
  ]);
  // The last rows land once their answers are out: poll until the count stops moving.
  let after = await auditTotal();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await auditTotal();
    if (now === after) break;
    after = now;
  }
  const cpu = cpuMs() - cpuBefore;
  const sorted = [...reads.latencies].sort((a, b) => a - b);
  const bad = [...reads.statuses].filter(([status]) => status !== 200);
  if (bad.length > 0) throw new Error(`reads failed: ${JSON.stringify(bad)}`);
  if (kind === 'twin' && after !== before) throw new Error(`the twins wrote ${after - before} audit rows`);
  if (writes && [...writes.statuses.keys()].some((status) => status !== 400))
    throw new Error(`writes: ${JSON.stringify([...writes.statuses])}`);
  // Each audit read (before, after, polls) is a GET: not audited, so the rows are the writes'.
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1),
    auditRowsPerMinute: ((after - before) / (writes ?? reads).seconds) * 60,
    writeP99: writes
      ? percentile(
          [...writes.latencies].sort((a, b) => a - b),
          0.99,
        )
      : undefined,
    cpu,
    writes: writes?.latencies.length ?? 0,
    rows: after - before,
  };
}

try {
  console.log(
    `load average before: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  await paced(READS, Number(args.warmup), read);
  await paced(WRITES, Number(args.warmup), write);
  await paced(WRITES, Number(args.warmup), twin);
  const results = { quiet: [], twin: [], audited: [] };
  for (let i = 0; i < ROUNDS; i += 1) {
    for (const kind of Object.keys(results)) {
      const result = await round(kind);
      results[kind].push(result);
      const rows =
        kind === 'quiet'
          ? ''
          : `, ${result.rows} rows for ${result.writes} ${kind === 'twin' ? 'twins' : 'writes'}, ${result.auditRowsPerMinute.toFixed(0)} audit rows/min, p99 ${result.writeP99.toFixed(2)} ms`;
      console.log(
        `round ${i + 1} ${KINDS[kind]}: read p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${rows}, Berth CPU ${result.cpu.toFixed(0)} ms (load ${loadavg()[0].toFixed(1)})`,
      );
    }
  }
  console.log(
    `load average after: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(`| reads (${READS}/s, GET /api/v1/auth/me) | audit rows / min | read p50 ms | read p99 ms | read max ms |`);
  console.log('|---|---|---|---|---|');
  for (const [name, runs] of Object.entries(results)) {
    const rows = name === 'audited' ? median(runs.map((r) => r.auditRowsPerMinute)).toFixed(0) : '0';
    const label = { quiet: 'alone', twin: `with ${WRITES} unaudited twins/s`, audited: `with ${WRITES} audited writes/s` }[name];
    console.log(
      `| ${label} | ${rows} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ` +
        `${median(runs.map((r) => r.p99)).toFixed(2)} | ${median(runs.map((r) => r.max)).toFixed(2)} |`,
    );
  }
  // The extra CPU of a round with writes over one without, per write: the cost of one audited request.
  const perWrite = results.audited.map((r, i) => (r.cpu - results.quiet[i].cpu) / r.writes);
  console.log(`\nBerth CPU per audited write (a 400 and its audit row), median of rounds: ${median(perWrite).toFixed(3)} ms`);
  const p99 = (kind) => median(results[kind].map((r) => r.p99));
  console.log(
    `\nread p99 with the audited writes / with their unaudited twins: ×${(p99('audited') / p99('twin')).toFixed(2)} (the rows' own cost; target ≤ ×1.10)`,
  );
  console.log(
    `read p99 with the audited writes / reads alone: ×${(p99('audited') / p99('quiet')).toFixed(2)} (the whole extra load of 167 requests/s)`,
  );
} finally {
  agent.destroy();
  await berth.stop();
  rmSync(berth.dataDir, { recursive: true, force: true });
}
