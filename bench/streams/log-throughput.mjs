// Log throughput of one stream: Berth's /api/v1/ws/logs against the engine read directly, in the
// same run, alternating.
//   1. history: a finished container wrote N lines; Berth `follow=false&tail=all` (to the close frame)
//      against the raw engine read a user's `docker logs -t` makes: GET /containers/{id}/logs?
//      stdout=1&stderr=1&timestamps=1 on the socket (plain HTTP, no dockerode), demultiplexed, to its end;
//   2. live: a container writes as fast as it can; follow from now for a fixed time.
// Usage: node bench/streams/log-throughput.mjs [lines=300000] [liveSeconds=10] [rounds=5] [history|live|both]
// BENCH_BERTH_BASE=<dir>/dist/main.js adds a third contender in the same rounds (a previous build).
import { connect } from 'node:net';
import {
  cleanup,
  countBerthLines,
  docker,
  engineLogStream,
  frameLineCounter,
  median,
  openWs,
  runContainer,
  sleep,
  startBerth,
} from './lib.mjs';

const N = Number(process.argv[2] ?? 300_000);
const LIVE_SECONDS = Number(process.argv[3] ?? 10);
const ROUNDS = Number(process.argv[4] ?? 5);
const PHASES = process.argv[5] ?? 'both';

async function viaEngine(container, query, stop) {
  const stream = await engineLogStream(container, query);
  const counter = frameLineCounter();
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const finish = () => {
      stream.destroy();
      resolve({ lines: counter.lines, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    };
    stream.on('data', (chunk) => {
      counter.push(chunk);
      if (stop.lines && counter.lines >= stop.lines) finish();
    });
    if (stop.seconds) setTimeout(finish, stop.seconds * 1000);
  });
}

/**
 * The whole log, as `docker logs -t` reads it: one GET on the engine's socket (HTTP/1.0, so the body
 * is the raw multiplexed bytes to the close), frames demultiplexed, payload bytes and lines counted.
 */
function engineHistory(container) {
  const counter = frameLineCounter();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const socket = connect('/var/run/docker.sock');
    let head = Buffer.alloc(0);
    let inBody = false;
    socket.on('data', (chunk) => {
      if (inBody) return counter.push(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (!head.subarray(0, 12).toString().includes(' 200')) reject(new Error(head.toString()));
      inBody = true;
      counter.push(head.subarray(end + 4));
    });
    socket.once('end', () =>
      resolve({ lines: counter.lines, bytes: counter.bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
    );
    socket.once('error', reject);
    socket.write(`GET /v1.41/containers/${container.id}/logs?stdout=1&stderr=1&timestamps=1 HTTP/1.0\r\nHost: docker\r\n\r\n`);
  });
}

/** The whole log through Berth: from opening the WebSocket to its close frame (1000, end of log). */
async function berthHistory(berth, container) {
  const cpuBefore = berth.cpuSeconds();
  const started = process.hrtime.bigint();
  const ws = await openWs(berth, '/api/v1/ws/logs', { container: container.id, follow: false, tail: 'all' });
  let lines = 0;
  return new Promise((resolve, reject) => {
    ws.on('message', (data) => (lines += countBerthLines(data.toString('latin1'))));
    ws.once('close', (code) => {
      if (code !== 1000) reject(new Error(`closed with ${code}`));
      resolve({ lines, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: berth.cpuSeconds() - cpuBefore });
    });
  });
}

async function viaBerth(berth, container, query, stop) {
  const cpuBefore = berth.cpuSeconds();
  const ws = await openWs(berth, '/api/v1/ws/logs', { container: container.id, ...query });
  let lines = 0;
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      ws.terminate();
      resolve({ lines, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: berth.cpuSeconds() - cpuBefore });
    };
    ws.on('message', (data) => {
      lines += countBerthLines(data.toString('latin1'));
      if (stop.lines && lines >= stop.lines) finish();
    });
    if (stop.seconds) setTimeout(finish, stop.seconds * 1000);
  });
}

const berth = await startBerth();
const base = process.env.BENCH_BERTH_BASE ? await startBerth({}, [], process.env.BENCH_BERTH_BASE) : undefined;
try {
  const results = { history: { engine: [], berth: [], base: [] }, live: { engine: [], berth: [], base: [] } };

  if (PHASES !== 'live') {
    const written = await runContainer(['sh', '-c', `seq 1 ${N}`]);
    await docker.getContainer(written.id).wait();
    const rate = (run) => run.lines / run.seconds;
    const check = (name, run) => {
      if (run.lines !== N) throw new Error(`${name} read ${run.lines} lines, not ${N}`);
    };
    // One unmeasured read each, so the log file is in the page cache for every measured one.
    check('engine', await engineHistory(written));
    check('berth', await berthHistory(berth, written));
    for (let round = 0; round < ROUNDS; round++) {
      const engine = await engineHistory(written);
      const viaB = await berthHistory(berth, written);
      const viaBase = base && (await berthHistory(base, written));
      for (const [name, run] of Object.entries({ engine, berth: viaB, ...(viaBase && { base: viaBase }) })) {
        check(name, run);
        results.history[name].push(rate(run));
      }
      console.log(
        `history round ${round + 1}: engine ${Math.round(rate(engine))} lines/s (${(engine.bytes / engine.seconds / 1e6).toFixed(1)} MB/s demultiplexed), ` +
          `berth ${Math.round(rate(viaB))} lines/s (×${(rate(viaB) / rate(engine)).toFixed(2)}, Berth CPU ${((viaB.cpu / viaB.lines) * 1e6).toFixed(2)} µs/line)` +
          (viaBase
            ? `, base ${Math.round(rate(viaBase))} lines/s (×${(rate(viaBase) / rate(engine)).toFixed(2)}, CPU ${((viaBase.cpu / viaBase.lines) * 1e6).toFixed(2)} µs/line)`
            : ''),
      );
    }
  }
  if (PHASES !== 'history') {
    const spewer = await runContainer(['sh', '-c', 'seq 1 1000000000']);
    await sleep(2000);
    for (let round = 0; round < ROUNDS; round++) {
      const engine = await viaEngine(spewer, { follow: 1, stdout: 1, stderr: 1, tail: 0 }, { seconds: LIVE_SECONDS });
      const viaB = await viaBerth(berth, spewer, { follow: true, tail: 0 }, { seconds: LIVE_SECONDS });
      results.live.engine.push(engine.lines / engine.seconds);
      results.live.berth.push(viaB.lines / viaB.seconds);
      console.log(
        `live round ${round + 1}: engine ${Math.round(engine.lines / engine.seconds)} lines/s, berth ${Math.round(viaB.lines / viaB.seconds)} lines/s (Berth CPU ${((viaB.cpu / viaB.lines) * 1e6).toFixed(1)} µs/line)`,
      );
    }
  }
  for (const [phase, { engine, berth: b, base: old }] of Object.entries(results)) {
    if (engine.length === 0) continue;
    const e = median(engine);
    const m = median(b);
    const ratios = b.map((value, i) => value / engine[i]);
    console.log(
      `${phase}: engine median ${Math.round(e)} lines/s, berth median ${Math.round(m)} lines/s, ratio of medians ${(m / e).toFixed(2)}, median of round ratios ${median(ratios).toFixed(2)}` +
        (old.length
          ? `; base median ${Math.round(median(old))} lines/s, median of round ratios ${median(old.map((v, i) => v / engine[i])).toFixed(2)}`
          : ''),
    );
  }
} finally {
  await berth.stop();
  await base?.stop();
  await cleanup();
}
