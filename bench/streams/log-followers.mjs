// Many WebSocket log followers spread over many containers: Berth's RSS, its CPU per delivered line,
// and whether every follower got every line, in order.
//   - C labelled containers wait for a signal, then print L numbered lines (L/10 a second for 10 s);
//   - F followers (F/C per container) open /api/v1/ws/logs?follow=true&tail=all before the signal;
//   - the signal goes out (an exec per container), and the run ends once every follower has L lines.
// Followers of one container share one engine stream (berth_ws_engine_streams{channel="logs"} = C).
// Usage: node bench/streams/log-followers.mjs [followers=1000] [containers=100] [lines=1000]
import { cleanup, docker, metric, mib, openWs, runContainer, sleep, startBerth } from './lib.mjs';

const FOLLOWERS = Number(process.argv[2] ?? 1000);
const CONTAINERS = Number(process.argv[3] ?? 100);
const LINES = Number(process.argv[4] ?? 1000);
const BURST = Math.max(1, Math.ceil(LINES / 10));
const TIMEOUT_MS = 180_000;

/** Runs `task` over `items`, `width` at a time. */
async function inBatches(items, width, task) {
  const results = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return results;
}

const printer = [
  'while [ ! -e /tmp/go ]; do sleep 0.1; done',
  `i=0; while [ $i -lt ${LINES} ]; do n=$((i + ${BURST})); [ $n -gt ${LINES} ] && n=${LINES}; seq $((i + 1)) $n; i=$n; sleep 1; done`,
  'sleep 3600',
].join('; ');

const berth = await startBerth({ BERTH_STREAMS_PER_USER: String(FOLLOWERS + 16) });
const sockets = [];
try {
  const containers = await inBatches(
    Array.from({ length: CONTAINERS }, (_, i) => i),
    10,
    () => runContainer(['sh', '-c', printer]),
  );
  console.log(`${CONTAINERS} containers running`);
  await sleep(1000);
  const rssIdle = berth.rssBytes();

  let delivered = 0;
  let complete = 0;
  let onComplete;
  const allComplete = new Promise((resolve) => (onComplete = resolve));
  const followers = Array.from({ length: FOLLOWERS }, (_, i) => ({ container: containers[i % CONTAINERS], next: 1, error: undefined }));
  const connectStarted = Date.now();
  await inBatches(followers, 20, async (follower) => {
    const ws = await openWs(berth, '/api/v1/ws/logs', { container: follower.container.id, follow: true, tail: 'all' });
    sockets.push(ws);
    ws.on('message', (data) => {
      for (const { line } of JSON.parse(data.toString())) {
        if (line !== String(follower.next)) follower.error ??= `expected ${follower.next}, got ${line}`;
        follower.next++;
        delivered++;
      }
      if (follower.next === LINES + 1 && ++complete === FOLLOWERS) onComplete();
    });
    ws.once('close', (code, reason) => {
      if (follower.next <= LINES) follower.error ??= `closed with ${code} ${reason} after ${follower.next - 1} lines`;
    });
  });
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  const engineStreams = await metric(berth, 'berth_ws_engine_streams{channel="logs"}');
  const rssConnected = berth.rssBytes();
  console.log(`${FOLLOWERS} followers connected in ${connectSeconds.toFixed(1)} s; engine log streams: ${engineStreams}`);

  let rssPeak = rssConnected;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, berth.rssBytes())), 100);
  const cpuBefore = berth.cpuSeconds();
  const started = Date.now();
  await inBatches(containers, 10, async (container) => {
    const exec = await container.exec({ Cmd: ['touch', '/tmp/go'] });
    await exec.start({ Detach: true });
  });
  const finished = await Promise.race([allComplete.then(() => true), sleep(TIMEOUT_MS).then(() => false)]);
  const seconds = (Date.now() - started) / 1000;
  const cpu = berth.cpuSeconds() - cpuBefore;
  clearInterval(sampler);

  const failed = followers.filter((f) => f.error || f.next !== LINES + 1);
  console.log(
    JSON.stringify({
      followers: FOLLOWERS,
      containers: CONTAINERS,
      linesPerContainer: LINES,
      engineStreams,
      finished,
      seconds: Number(seconds.toFixed(1)),
      delivered,
      expected: FOLLOWERS * LINES,
      followersWithEveryLineInOrder: FOLLOWERS - failed.length,
      firstFailures: failed.slice(0, 3).map((f) => f.error ?? `${f.next - 1} lines`),
      berthCpuSeconds: Number(cpu.toFixed(2)),
      berthCpuPerDeliveredLineUs: Number(((cpu / delivered) * 1e6).toFixed(2)),
      rssMiB: { idle: mib(rssIdle), connected: mib(rssConnected), peak: mib(rssPeak) },
    }),
  );
} finally {
  for (const ws of sockets) ws.terminate();
  await berth.stop();
  await cleanup();
  const left = await docker.listContainers({ all: true, filters: { label: ['berth.test=1'] } });
  console.log(`cleaned up (${left.length} labelled containers left on the engine, others' included)`);
}
