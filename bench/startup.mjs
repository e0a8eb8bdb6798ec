// Start time and idle memory of the built Berth: from `node dist/main.js` to the first 200 on /healthz, and
// the resident memory once it has been idle a few seconds.
//
//   npm run build && node bench/startup.mjs [--runs 7] [--idle 5] [--main dist/main.js --main other/dist/main.js]
//
// Also the CPU time Berth used until that first 200 (`/proc/<pid>/stat`): a figure the machine's load moves
// much less than the wall-clock time. Each start gets a fresh data dir (so it creates its database and first
// admin, as a first start does) and a free port. With several --main, the builds take turns (a, b, a, b, ...) so that the machine's load falls on
// each alike; medians per build. Nothing is left behind: each process is stopped and its data dir removed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    idle: { type: 'string', default: '5' },
    main: { type: 'string', multiple: true, default: ['dist/main.js'] },
  },
});
const RUNS = Number(args.runs);
const IDLE_MS = Number(args.idle) * 1000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function healthz(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** User and system CPU time of a process so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `VmRSS` and `VmHWM` of a process, in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function startOnce(main) {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-start-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      BERTH_ADMIN_USERNAME: 'bench-admin',
      BERTH_ADMIN_PASSWORD: 'bench-admin-password',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let readyMs;
    let cpu;
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`Berth exited with ${child.exitCode}:\n${output}`);
      if ((await healthz(port)) === 200) {
        readyMs = performance.now() - started;
        cpu = cpuMs(child.pid);
      } else await sleep(5);
      if (performance.now() - started > 30_000) throw new Error(`no 200 on /healthz within 30 s:\n${output}`);
    }
    await sleep(IDLE_MS);
    return { readyMs, cpu, ...memory(child.pid) };
  } finally {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

console.log(`load average before: ${load()}; ${RUNS} starts per build, idle ${IDLE_MS / 1000} s before reading RSS`);
const results = new Map(args.main.map((main) => [main, []]));
for (let run = 0; run < RUNS; run += 1) {
  for (const main of args.main) {
    const result = await startOnce(main);
    results.get(main).push(result);
    console.log(
      `${main}: ready ${result.readyMs.toFixed(0)} ms (CPU ${result.cpu} ms), idle RSS ${result.rss.toFixed(1)} MiB (peak ${result.peak.toFixed(1)})`,
    );
  }
}
console.log(`load average after: ${load()}\n`);
console.log(
  '| build | time to first 200 on /healthz (median, min-max) | start CPU (median, min-max) | idle RSS (median, min-max) | peak RSS (median) |',
);
console.log('|---|---|---|---|---|');
for (const [main, runs] of results) {
  const ready = runs.map((r) => r.readyMs);
  const rss = runs.map((r) => r.rss);
  const cpu = runs.map((r) => r.cpu);
  console.log(
    `| ${main} | ${median(ready).toFixed(0)} ms (${Math.min(...ready).toFixed(0)}-${Math.max(...ready).toFixed(0)}) | ` +
      `${median(cpu).toFixed(0)} ms (${Math.min(...cpu)}-${Math.max(...cpu)}) | ` +
      `${median(rss).toFixed(1)} MiB (${Math.min(...rss).toFixed(1)}-${Math.max(...rss).toFixed(1)}) | ${median(runs.map((r) => r.peak)).toFixed(1)} MiB |`,
  );
}
