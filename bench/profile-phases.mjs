// Where Berth's CPU goes per request, by phase, from a CPU profile of a benchmark run.
//
//   node bench/containers-list.mjs --concurrency 1 --prof /tmp/prof     # prints "Berth served N requests"
//   node bench/profile-phases.mjs /tmp/prof/<file>.cpuprofile N [CPU ms per request]
//
// Each sample is charged to the innermost phase on its stack (a write(2) under pino is "access log",
// the JSON.stringify and ETag of express's res.json "serialisation", class-validator under Nest's
// interceptors "validation"); samples before the first request (start-up) and idle samples are left out.
// A frame of the request pipeline (Express's router, Nest's router and interceptor chain) met first ends the
// search: the middlewares that run the rest of the request inside their `next()` (the access log's, the
// metrics') are not charged with everything under them. The profiler's 0.1 ms sampling inflates the totals:
// given the CPU per request of an unprofiled run (the bench prints it), the table is scaled to it, in ms.
import { readFileSync } from 'node:fs';

const [file, requests, cpuPerRequest] = process.argv.slice(2);
if (!file || !requests) {
  console.error('usage: node bench/profile-phases.mjs <file.cpuprofile> <requests served> [CPU ms per request, unprofiled]');
  process.exit(2);
}

/** For each frame from the leaf up, the first phase that matches it. */
const PHASES = [
  ['auth', (url, fn) => /\/dist[^/]*\/auth\/|\/jsonwebtoken\/|\/jws\/|\/jwa\//.test(url) || fn === 'canActivate'],
  [
    'validation',
    (url) =>
      /class-validator|class-transformer|\/pipes\/validation\.pipe|\/dist[^/]*\/common\/(validation|validators|strict-query\.interceptor)\.js/.test(
        url,
      ),
  ],
  ['engine call', (url) => /docker-modem|dockerode|\/dist[^/]*\/docker\/|node:_http_client|_http_agent/.test(url)],
  [
    'serialisation',
    (url, fn) => /express\/lib\/response\.js|container-views|pagination|\/dist[^/]*\/common\/dto\//.test(url) || fn === 'stringify',
  ],
  ['other interceptors (idempotency, audit targets, JSON body)', (url) => /interceptor\.js/.test(url)],
  ['access log', (url) => /\/pino|sonic-boom|@pinojs|\/dist[^/]*\/common\/logging\.js/.test(url)],
  ['metrics', (url) => /prom-client/.test(url)],
  ['garbage collection', (_url, fn) => fn === '(garbage collector)'],
];
const OTHER = 'HTTP in and out, Nest/Express routing, Node';
/** The request pipeline (Berth's direct route included): a sample whose innermost known frame is one of these is routing, not what called it. */
const PIPELINE =
  /node_modules\/(router\/|express\/lib\/(application|express)\.js|@nestjs\/core\/(router|middleware|interceptors|guards|pipes)\/|rxjs\/)|\/dist[^/]*\/common\/direct-route\.js/;
const SKIP = new Set(['(idle)', '(program)', '(root)']);
const NATIVE_WRITE = new Set(['writeLatin1String', 'writeUtf8String', 'writeString', 'writev', 'writeBuffer']);

const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const stackOf = (id) => {
  const stack = [];
  for (let at = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at).callFrame);
  return stack.reverse();
};

const totals = new Map();
let started = false;
let last = profile.startTime;
for (let i = 0; i < profile.samples.length; i += 1) {
  const at = last + profile.timeDeltas[i];
  const micros = at - last;
  last = at;
  const stack = stackOf(profile.samples[i]);
  const leaf = stack.at(-1);
  if (!started) started = stack.some((frame) => /access\.guard\.js/.test(frame.url));
  if (!started || SKIP.has(leaf.functionName)) continue;
  let phase = OTHER;
  // A write(2) to a socket or pipe wakes its reader, which may take Berth's core (a sample is wall time): its own rows.
  if (NATIVE_WRITE.has(leaf.functionName)) {
    const via = stack.find((frame) => /node:_http_client|kept-alive-gets|sonic-boom/.test(frame.url))?.url ?? '';
    phase = `write(2) of ${via.includes('sonic-boom') ? 'the access log line' : via ? 'the engine request' : 'the answer'} (syscall, descheduled time included)`;
    totals.set(phase, (totals.get(phase) ?? 0) + micros);
    continue;
  }
  for (const frame of stack.toReversed()) {
    const found = PHASES.find(([, test]) => test(frame.url, frame.functionName));
    if (found) {
      phase = found[0];
      break;
    }
    if (PIPELINE.test(frame.url)) break;
  }
  totals.set(phase, (totals.get(phase) ?? 0) + micros);
}

const all = [...totals.values()].reduce((a, b) => a + b, 0);
// µs per request as profiled, or ms per request scaled to an unprofiled run's CPU per request.
const scale = cpuPerRequest ? Number(cpuPerRequest) / all : 1 / 1000 / requests;
const unit = cpuPerRequest ? 'ms (scaled to the unprofiled CPU per request)' : 'ms (as profiled)';
console.log(`| phase | Berth CPU per request, ${unit} | share |\n|---|---|---|`);
for (const [phase, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${phase} | ${(micros * scale).toFixed(2)} | ${((100 * micros) / all).toFixed(0)} % |`);
}
console.log(`| **total** | **${(all * scale).toFixed(2)}** | |`);
