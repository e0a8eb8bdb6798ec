#!/usr/bin/env node
// Export (`docker save`) of an image over 200 MB: throughput through Berth vs the engine directly,
// and how much Berth's RSS grows while it streams. Builds its own image (the test image + a file of
// random bytes, labelled berth.test=1) and removes it at the end. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBerth, login } from '../scripts/berth-process.mjs';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '210' },
    rounds: { type: 'string', default: '3' },
    socket: { type: 'string', default: '/var/run/docker.sock' },
    image: { type: 'string', default: 'berth-test/busybox:latest' },
    /** An image this bench built earlier (kept with --keep): skips the build. */
    ref: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** The Berth to run (another build, to compare two versions). */
    main: { type: 'string', default: 'dist/main.js' },
    /** A directory: Berth runs with --cpu-prof and writes its profile there when it stops. */
    prof: { type: 'string' },
  },
});
const run = randomBytes(4).toString('hex');
const REF = args.ref ?? `berth-bench/export-${run}:1`;

function buildImage() {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    execFileSync('sh', ['-c', `head -c ${Number(args.mb) * 1024 * 1024} /dev/urandom > ${join(dir, 'blob')}`]);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${args.image}\nCOPY blob /blob\nLABEL berth.test=1 berth.bench=${run}\n`);
    execFileSync('docker', ['build', '-q', '-t', REF, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a whole answer, counting bytes and dropping them. */
function download(options) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request(options, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`${options.path}: ${response.statusCode}`));
      let bytes = 0;
      response.on('data', (chunk) => (bytes += chunk.length));
      response.on('end', () => resolve({ bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat: what Berth adds, whatever else loads the machine. */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

async function main() {
  if (!args.ref) {
    console.error(`bench ${run}: building ${REF} (${args.mb} MB of random bytes on ${args.image})`);
    buildImage();
  }
  const admin = { username: 'bench', password: randomBytes(12).toString('hex') };
  let berth;
  try {
    berth = await launchBerth({
      admin,
      main: args.main,
      nodeArgs: args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : [],
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      keepOutput: false,
    });
    const token = await login(berth.url, admin);
    const port = Number(new URL(berth.url).port);
    const targets = {
      engine: { socketPath: args.socket, path: `/v1.41/images/get?names=${encodeURIComponent(REF)}` },
      berth: {
        host: '127.0.0.1',
        port,
        path: `/api/v1/hosts/local/images/${encodeURIComponent(REF)}/export`,
        headers: { authorization: `Bearer ${token}` },
      },
    };
    // One export each first: warms the engine's caches and Berth's code paths before measuring.
    await download(targets.engine);
    await download(targets.berth);
    const results = { engine: [], berth: [] };
    let rssGrowth = 0;
    const cpu = [];
    for (let round = 0; round < Number(args.rounds); round++) {
      results.engine.push(await download(targets.engine));
      const before = rssBytes(berth.pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(berth.pid))), 20);
      const cpuBefore = cpuSeconds(berth.pid);
      results.berth.push(await download(targets.berth));
      cpu.push(cpuSeconds(berth.pid) - cpuBefore);
      clearInterval(sampler);
      rssGrowth = Math.max(rssGrowth, peak - before);
    }
    const throughput = (list) => median(list.map((r) => r.bytes / r.seconds));
    const engine = throughput(results.engine);
    const viaBerth = throughput(results.berth);
    console.log(`tar size: ${mb(results.berth[0].bytes)} MB (engine: ${mb(results.engine[0].bytes)} MB)`);
    console.log(`| target | MB/s (median of ${args.rounds}) |\n|---|---|\n| engine | ${mb(engine)} |\n| berth | ${mb(viaBerth)} |`);
    console.log(
      `Berth / engine: x${(viaBerth / engine).toFixed(2)}; Berth RSS growth while exporting (max over rounds): ${mb(rssGrowth)} MB`,
    );
    console.log(`Berth CPU per export (median): ${median(cpu).toFixed(2)} s; load average now: ${loadavg()[0].toFixed(2)}`);
  } finally {
    await berth?.stop();
    if (!args.keep) execFileSync('docker', ['rmi', REF], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
