// Log throughput of one follow stream: Berth's /api/v1/ws/logs against the engine's own
// /containers/{id}/logs?follow=1 read straight from its socket, in the same run, alternating.
//   1. history: a container wrote N lines; follow from the start until all N arrived;
//   2. live: a container writes as fast as it can; follow from now for a fixed time.
// Usage: node bench/streams/log-throughput.mjs [lines=1000000] [liveSeconds=10] [rounds=3] [history|live|both]
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

const N = Number(process.argv[2] ?? 1_000_000);
const LIVE_SECONDS = Number(process.argv[3] ?? 10);
const ROUNDS = Number(process.argv[4] ?? 3);
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
try {
  const results = { history: { engine: [], berth: [] }, live: { engine: [], berth: [] } };

  if (PHASES !== 'live') {
    const written = await runContainer(['sh', '-c', `seq 1 ${N}; sleep 3600`]);
    while (!String(await docker.getContainer(written.id).logs({ stdout: true, tail: 1 })).includes(String(N))) await sleep(200);
    for (let round = 0; round < ROUNDS; round++) {
      const engine = await viaEngine(written, { follow: 1, stdout: 1, stderr: 1 }, { lines: N });
      const viaB = await viaBerth(berth, written, { follow: true, tail: 'all' }, { lines: N });
      results.history.engine.push(engine.lines / engine.seconds);
      results.history.berth.push(viaB.lines / viaB.seconds);
      console.log(
        `history round ${round + 1}: engine ${Math.round(engine.lines / engine.seconds)} lines/s, berth ${Math.round(viaB.lines / viaB.seconds)} lines/s (Berth CPU ${((viaB.cpu / viaB.lines) * 1e6).toFixed(1)} µs/line)`,
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
  for (const [phase, { engine, berth: b }] of Object.entries(results)) {
    if (engine.length === 0) continue;
    const e = median(engine);
    const m = median(b);
    console.log(`${phase}: engine median ${Math.round(e)} lines/s, berth median ${Math.round(m)} lines/s, ratio ${(m / e).toFixed(2)}`);
  }
} finally {
  await berth.stop();
  await cleanup();
}
