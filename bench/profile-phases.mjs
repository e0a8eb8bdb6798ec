// Where Berth's CPU goes per request, by phase, from a CPU profile of a benchmark run.
//
//   node bench/containers-list.mjs --concurrency 1 --prof /tmp/prof     # prints "Berth served N requests"
//   node bench/profile-phases.mjs /tmp/prof/<file>.cpuprofile N
//
// Each sample is charged to the innermost phase on its stack (a write(2) under pino is "access log",
// the JSON.stringify and ETag of express's res.json "serialisation", class-validator under Nest's
// interceptors "validation"); samples before the first request (start-up) and idle samples are left out.
import { readFileSync } from 'node:fs';

const [file, requests] = process.argv.slice(2);
if (!file || !requests) {
  console.error('usage: node bench/profile-phases.mjs <file.cpuprofile> <requests served>');
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
  ['access log', (url) => /\/pino|sonic-boom|\/dist[^/]*\/common\/logging\.js/.test(url)],
  ['metrics', (url) => /prom-client|app\.setup\.js/.test(url)],
  ['garbage collection', (_url, fn) => fn === '(garbage collector)'],
];
const OTHER = 'HTTP in and out, Nest/Express routing, Node';
const SKIP = new Set(['(idle)', '(program)', '(root)']);

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
  for (const frame of stack.toReversed()) {
    const found = PHASES.find(([, test]) => test(frame.url, frame.functionName));
    if (found) {
      phase = found[0];
      break;
    }
  }
  totals.set(phase, (totals.get(phase) ?? 0) + micros);
}

const all = [...totals.values()].reduce((a, b) => a + b, 0);
console.log(`| phase | Berth CPU per request, µs | share |\n|---|---|---|`);
for (const [phase, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${phase} | ${(micros / requests).toFixed(0)} | ${((100 * micros) / all).toFixed(0)} % |`);
}
console.log(`| **total** | **${(all / requests).toFixed(0)}** | |`);
