// List latency and throughput through Berth vs the engine directly, same query, same concurrency.
//
//   npm run build && node bench/containers-list.mjs [--containers 50] [--concurrency 16] [--seconds 10] [--rounds 3]
//   node bench/containers-list.mjs --containers 1000 --concurrency 1,16    # one set of containers, both concurrencies
//   node bench/containers-list.mjs --concurrency 1 --base dist-base/main.js  # A/B: another build too, in the same alternating rounds
//   node bench/containers-list.mjs --concurrency 1 --floors  # also two bare proxies (bench/floor-proxy.mjs): the floors, in the same rounds
//
// Starts the built Berth (dist/main.js) on a free port, creates N labelled running containers of the
// test image, then alternates rounds against the engine socket and Berth and prints a markdown table.
// Everything it creates carries berth.test=1 and berth.bench=<run> and is removed at the end.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { launchBerth, login } from '../scripts/berth-process.mjs';
import { request } from './http.mjs';

const { values: args } = parseArgs({
  options: {
    containers: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    socket: { type: 'string', default: '/var/run/docker.sock' },
    image: { type: 'string', default: 'berth-test/busybox:latest' },
    network: { type: 'string', default: 'bridge' },
    /** Containers created (and removed) at a time: 1000 one by one take minutes. */
    parallel: { type: 'string', default: '8' },
    /** Another build of Berth (e.g. dist-base/main.js) to compare with. */
    main: { type: 'string', default: 'dist/main.js' },
    /**
     * A second build (e.g. dist-base/main.js) run beside --main and measured in the same rounds: an A/B in one run.
     * Given again, more builds in the same rounds ("base", "base 2", ...).
     */
    base: { type: 'string', multiple: true, default: [] },
    /**
     * Two more targets in the same rounds, the floors of any proxy here (bench/floor-proxy.mjs): "proxy bytes" pipes
     * each connection to the engine (the hop alone), "proxy http" is a bare Node HTTP server in front of it.
     */
    floors: { type: 'boolean', default: false },
    /** A directory: Berth runs with --cpu-prof (0.1 ms samples) and writes its profile there when it stops. */
    prof: { type: 'string' },
    /**
     * Seconds to wait after the containers start, before measuring. In their first minute the engine's `Status`
     * ("Up 5 seconds") of 50 containers ticks at 50 different moments each second, so nearly every answer differs
     * from the last one (Berth parses and serialises it again); from a minute on it changes about once per container per minute.
     */
    settle: { type: 'string', default: '0' },
    /**
     * Seconds of load (c=1) each Berth gets once, before the rounds, not measured. Berth is a long-running service,
     * measured warm: V8 optimises a function after enough calls, and at c=1 (~150 requests a second) the request
     * path takes about a minute to get there (Berth's CPU per request falls ~25 % over it); the engine has no such
     * warm-up. 0: the first rounds measure Berth as it warms up.
     */
    prewarm: { type: 'string', default: '60' },
    /** dockerd's pid file: the engine's CPU per request is counted in every target's rounds (what a proxy's work costs it). */
    'engine-pid-file': { type: 'string', default: '/var/run/docker.pid' },
  },
});
const CONTAINERS = Number(args.containers);
const CONCURRENCIES = args.concurrency.split(',').map(Number);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const run = randomBytes(4).toString('hex');
const label = `berth.bench=${run}`;

const engine = (method, path, body) => request({ socketPath: args.socket, method, path: `/v1.41${path}` }, body);

/** Runs `work(i)` for i < count, `parallel` at a time. */
async function inParallel(count, work) {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(count, Number(args.parallel)) }, worker));
}

async function createContainers() {
  const started = performance.now();
  await inParallel(CONTAINERS, async (i) => {
    const created = await engine('POST', `/containers/create?name=berth-bench-${run}-${i}`, {
      Image: args.image,
      Cmd: ['sleep', '3600'],
      Labels: { 'berth.test': '1', 'berth.bench': run },
      HostConfig: { NetworkMode: args.network },
    });
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.body}`);
    const { Id } = JSON.parse(created.body);
    const startedOne = await engine('POST', `/containers/${Id}/start`);
    if (startedOne.status !== 204) throw new Error(`start failed: ${startedOne.status} ${startedOne.body}`);
  });
  console.error(`created and started ${CONTAINERS} containers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function removeContainers() {
  const listed = await engine('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}`);
  const containers = JSON.parse(listed.body);
  await inParallel(containers.length, (i) => engine('DELETE', `/containers/${containers[i].Id}?force=1&v=1`));
}

/** A floor proxy (bench/floor-proxy.mjs) in a process of its own; its port and pid once it listens. */
async function startFloor(mode, children) {
  const child = spawn(process.execPath, [new URL('./floor-proxy.mjs', import.meta.url).pathname, mode, args.socket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = await Promise.race([
    new Promise((resolve) => child.stdout.once('data', (chunk) => resolve([chunk]))),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`floor proxy ${mode} exited with ${code}`)))),
  ]);
  return { port: JSON.parse(line.toString()).port, pid: child.pid };
}

/** The engine's pid (dockerd's pid file), to count its CPU per request too; undefined when it cannot be read. */
function enginePid() {
  try {
    return Number(readFileSync(args['engine-pid-file'], 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** A process's CPU time so far (user + system), ms: what it costs, which other load on the machine barely moves. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Requests sent to Berth (--main), checks and warm-ups included: to turn a CPU profile into a cost per request. */
let berthRequests = 0;
let berthPort;

/** Keeps `concurrency` requests in flight for `seconds`; latencies in ms. */
async function load(options, seconds, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        if (options.port === berthPort) berthRequests += 1;
        const response = await request({ ...options, agent });
        if (response.status !== 200) failures += 1;
        latencies.push(performance.now() - started);
      }
    }),
  );
  agent.destroy();
  return { latencies, failures, seconds };
}

function summarize({ latencies, failures, seconds }) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { requests: sorted.length, failures, rps: sorted.length / seconds, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Rounds against the engine, Berth and the other targets in turn at one concurrency; prints the medians as a markdown table. */
async function compare(targets, concurrency, pids) {
  // The floor proxies serve one request at a time (the lone client's floor): measured at c=1 only.
  const names = Object.keys(targets).filter((name) => concurrency === 1 || !name.startsWith('proxy'));
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    // Each round starts one target further on: every target runs first, in the middle and last as often, and after
    // each other one. (Alternating an order and its reverse kept one target always in the middle and let the outer ones
    // run twice in a row at each round's turn: in an A/A run, the middle Berth measured ~0.25 ms more CPU per request.)
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      await load(targets[name], WARMUP, concurrency);
      const pid = pids[name];
      const engine = pids.engine;
      const cpuBefore = pid && cpuMs(pid);
      const engineBefore = engine && cpuMs(engine);
      const measured = await load(targets[name], SECONDS, concurrency);
      const perRequest = (ms) => ms / measured.latencies.length;
      const summary = {
        ...summarize(measured),
        cpuPerRequest: pid ? perRequest(cpuMs(pid) - cpuBefore) : 0,
        engineCpuPerRequest: engine ? perRequest(cpuMs(engine) - engineBefore) : 0,
      };
      results[name].push(summary);
      console.error(
        `c=${concurrency} round ${round + 1} ${name}: ${summary.rps.toFixed(0)} req/s, p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, failures ${summary.failures}` +
          (pid && name !== 'engine' ? `, its CPU ${summary.cpuPerRequest.toFixed(2)} ms per request` : '') +
          (engine ? `, engine CPU ${summary.engineCpuPerRequest.toFixed(2)} ms` : '') +
          `, load ${loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const pick = (name, key) => median(results[name].map((r) => r[key]));
  const row = (name) =>
    `| ${name} | ${pick(name, 'rps').toFixed(0)} | ${pick(name, 'p50').toFixed(2)} | ${pick(name, 'p95').toFixed(2)} | ${pick(name, 'p99').toFixed(2)} |`;
  console.log(`\nConcurrency ${concurrency}, load average ${loadavg()[0].toFixed(1)} at the end`);
  console.log(`| target | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|\n${names.map(row).join('\n')}`);
  if (pids.engine) {
    // CPU per request (medians of the rounds): the proxy's own, and the engine's while that target was measured.
    const cpu = (name) =>
      `| ${name} | ${name === 'engine' || !pids[name] ? '—' : pick(name, 'cpuPerRequest').toFixed(2)} | ${pick(name, 'engineCpuPerRequest').toFixed(2)} |`;
    console.log(
      `\n| target | its CPU per request, ms | the engine's CPU per request meanwhile, ms |\n|---|---|---|\n${names.map(cpu).join('\n')}`,
    );
  }
  for (const name of names.filter((name) => name !== 'engine')) {
    console.log(
      `\n${name === 'berth' ? 'Berth' : name.startsWith('base') ? `Berth (${name})` : name} / engine: throughput ×${(pick(name, 'rps') / pick('engine', 'rps')).toFixed(2)}, ` +
        `p50 latency ×${(pick(name, 'p50') / pick('engine', 'p50')).toFixed(2)} (${(pick(name, 'p50') - pick('engine', 'p50')).toFixed(2)} ms more), ` +
        `p99 latency ×${(pick(name, 'p99') / pick('engine', 'p99')).toFixed(2)}` +
        (pids[name] ? `; its CPU ${pick(name, 'cpuPerRequest').toFixed(2)} ms per request ` : ' ') +
        `(medians of ${ROUNDS} rounds; ${CONTAINERS} containers, concurrency ${concurrency}, ${SECONDS} s each)`,
    );
    // Each round's own ratio (its rounds ran next to each other): how much the machine moved from round to round.
    const ratios = results[name].map((r, i) => r.rps / results.engine[i].rps).sort((a, b) => a - b);
    console.log(`  per-round throughput ratios ${ratios[0].toFixed(2)}-${ratios.at(-1).toFixed(2)}, median ×${median(ratios).toFixed(2)}`);
  }
}

async function main() {
  console.error(
    `bench ${run}: ${CONTAINERS} containers, concurrency ${CONCURRENCIES.join(' and ')}, ${ROUNDS} rounds of ${SECONDS} s, ${args.main}`,
  );
  await createContainers();
  if (Number(args.settle) > 0) {
    console.error(`waiting ${args.settle} s for the containers' status to settle`);
    await new Promise((resolve) => setTimeout(resolve, Number(args.settle) * 1000));
  }
  const admin = { username: 'bench', password: randomBytes(12).toString('hex') };
  // Berth logs a line per request: dropped, not kept in memory for the whole run.
  const launch = (main) =>
    launchBerth({
      main,
      admin,
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      keepOutput: false,
      nodeArgs: args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`, '--cpu-prof-interval=100'] : [],
    });
  const berth = await launch(args.main);
  const bases = [];
  for (const main of args.base) bases.push(await launch(main));
  const baseName = (i) => (i === 0 ? 'base' : `base ${i + 1}`);
  const floors = [];
  try {
    const query = `all=1&filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}`;
    const berthTarget = async (instance) => ({
      host: '127.0.0.1',
      port: Number(new URL(instance.url).port),
      method: 'GET',
      path: `/api/v1/hosts/local/containers?all=true&label=${encodeURIComponent(label)}`,
      headers: { authorization: `Bearer ${await login(instance.url, admin)}` },
    });
    const targets = {
      engine: { socketPath: args.socket, method: 'GET', path: `/v1.41/containers/json?${query}` },
      berth: await berthTarget(berth),
      ...Object.fromEntries(await Promise.all(bases.map(async (base, i) => [baseName(i), await berthTarget(base)]))),
      ...(args.floors && {
        'proxy bytes': {
          host: '127.0.0.1',
          ...(await startFloor('bytes', floors)),
          method: 'GET',
          path: `/v1.41/containers/json?${query}`,
        },
        'proxy http': { host: '127.0.0.1', ...(await startFloor('http', floors)), method: 'GET', path: `/containers?${query}` },
      }),
    };
    berthPort = targets.berth.port;
    const berths = { berth: berth.pid, ...Object.fromEntries(bases.map((base, i) => [baseName(i), base.pid])) };
    const floorPids = Object.fromEntries(Object.entries(targets).flatMap(([name, target]) => (target.pid ? [[name, target.pid]] : [])));
    const pids = { ...berths, ...floorPids, engine: enginePid() };
    for (const [name, options] of Object.entries(targets)) {
      if (options.port === berthPort) berthRequests += 1;
      const check = await request(options);
      // The engine (and the floor proxies) answer its array; Berth a page ({items, nextCursor, total}; the default limit holds them all).
      const parsed = JSON.parse(check.body);
      const count = (Array.isArray(parsed) ? parsed : parsed.items).length;
      if (check.status !== 200 || count !== CONTAINERS)
        throw new Error(`${name} listed ${count} (status ${check.status}): ${check.body.slice(0, 200)}`);
    }
    for (const name of Object.keys(berths)) {
      if (Number(args.prewarm) > 0) console.error(`warming ${name} up: ${args.prewarm} s at c=1, not measured`);
      await load(targets[name], Number(args.prewarm), 1);
    }
    for (const concurrency of CONCURRENCIES) await compare(targets, concurrency, pids);
    if (args.prof) console.log(`\nBerth served ${berthRequests} requests to the list (checks and warm-ups included)`);
  } finally {
    await berth.stop();
    for (const base of bases) await base.stop();
    for (const child of floors) child.kill();
    await removeContainers();
  }
}

main().catch(async (error) => {
  console.error(error);
  await removeContainers().catch(() => undefined);
  process.exit(1);
});
