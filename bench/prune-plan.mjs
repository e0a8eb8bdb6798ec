// How long a prune plan takes over many stopped containers, and how an execution of it answers.
//
//   npm run build && node bench/prune-plan.mjs [--containers 500] [--rounds 5]
//
// Starts the built Berth (dist/main.js) on a free port, creates N labelled stopped (created) containers
// of the test image, times `POST /prune/plan` filtered by the run's label (the engine is listed whole
// either way), then executes the last plan as a job: the time to the 202, and the time the job took.
// Everything it creates carries berth.test=1 and berth.bench=<run>; the execution removes it, and
// whatever is left is removed at the end.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { launchBerth, login } from '../scripts/berth-process.mjs';
import { request } from './http.mjs';

const { values: args } = parseArgs({
  options: {
    containers: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    socket: { type: 'string', default: '/var/run/docker.sock' },
    image: { type: 'string', default: 'berth-test/busybox:latest' },
  },
});
const CONTAINERS = Number(args.containers);
const ROUNDS = Number(args.rounds);
const run = randomBytes(4).toString('hex');
const label = `berth.bench=${run}`;

const engine = (method, path, body) => request({ socketPath: args.socket, method, path: `/v1.41${path}` }, body);

async function createContainers() {
  let next = 0;
  const worker = async () => {
    while (next < CONTAINERS) {
      const i = next++;
      const created = await engine('POST', `/containers/create?name=berth-bench-prune-${run}-${i}`, {
        Image: args.image,
        Cmd: ['true'],
        Labels: { 'berth.test': '1', 'berth.bench': run },
      });
      if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.body}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function removeContainers() {
  const listed = await engine('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}`);
  for (const container of JSON.parse(listed.body)) await engine('DELETE', `/containers/${container.Id}?force=1&v=1`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
  const berth = await launchBerth({ admin, keepOutput: false });
  const token = await login(berth.url, admin);
  const { hostname, port } = new URL(berth.url);
  const api = (method, path, body) =>
    request({ host: hostname, port, method, path, headers: { authorization: `Bearer ${token}` } }, body).then((r) => ({
      ...r,
      json: r.body ? JSON.parse(r.body) : undefined,
    }));
  try {
    console.error(`creating ${CONTAINERS} stopped containers (run ${run})...`);
    await createContainers();
    const times = [];
    let plan;
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      const answer = await api('POST', '/api/v1/hosts/local/prune/plan', { labels: [label], images: 'none', networks: false });
      times.push(performance.now() - started);
      if (answer.status !== 201) throw new Error(`plan failed: ${answer.status} ${answer.body}`);
      plan = answer.json;
    }
    const items = plan.totals.count;
    const executeStarted = performance.now();
    const execution = await api('POST', '/api/v1/hosts/local/prune', { planId: plan.planId });
    const accepted = performance.now() - executeStarted;
    if (execution.status !== 202) throw new Error(`execute failed: ${execution.status} ${execution.body}`);
    let job;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await api('GET', `/api/v1/jobs/${execution.json.id}`)).json;
    } while (!['succeeded', 'failed', 'canceled'].includes(job.status));
    const executed = performance.now() - executeStarted;

    console.log(`| containers | plan items | plan median | plan max | execute: 202 after | execute: job done after | removed |`);
    console.log(`|---|---|---|---|---|---|---|`);
    console.log(
      `| ${CONTAINERS} | ${items} | ${median(times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${accepted.toFixed(0)} ms | ${(executed / 1000).toFixed(1)} s | ${job.result?.totals.removed ?? job.error} |`,
    );
  } finally {
    await berth.stop();
    await removeContainers();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
