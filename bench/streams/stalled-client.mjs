// A client that stops reading for 30 s while its container spews numbered lines: Berth's RSS
// growth while it is stalled, and whether, when it reads again, it lost a line or was told
// exactly where to resume (and resuming there loses none).
// Usage: node bench/streams/stalled-client.mjs [stallSeconds=30]
import { cleanup, mib, openWs, runContainer, sleep, startBerth } from './lib.mjs';

const STALL_SECONDS = Number(process.argv[2] ?? 30);

function reader(ws) {
  const state = { lines: [], close: undefined };
  ws.on('message', (data) => {
    // A frame is always an array of {stream, ts, line}.
    for (const line of JSON.parse(data.toString())) state.lines.push(line);
  });
  state.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve((state.close = { code, reason: reason.toString() }))));
  return state;
}

/** Lines are numbers; returns the first place where one is missing or out of order. */
function firstGap(lines) {
  for (let i = 1; i < lines.length; i++) if (Number(lines[i].line) !== Number(lines[i - 1].line) + 1) return i;
  return -1;
}

const berth = await startBerth();
try {
  // Big log files: a 30 s stall must not lose lines to the engine's own log rotation.
  const container = await runContainer(['sh', '-c', 'seq 1 1000000000'], { maxSize: '1g' });
  await sleep(1000);
  const ws = await openWs(berth, '/api/v1/ws/logs', { container: container.id, tail: 0 });
  const stream = reader(ws);
  await sleep(3000);
  const baseline = berth.rssBytes();
  const before = stream.lines.length;
  ws._socket.pause();
  let peak = baseline;
  const started = Date.now();
  while (Date.now() - started < STALL_SECONDS * 1000) {
    await sleep(250);
    peak = Math.max(peak, berth.rssBytes());
  }
  ws._socket.resume();
  // Read on until Berth closes the stream, or 10 s more when it never gave up on us.
  await Promise.race([stream.closed, sleep(10_000)]);
  const received = stream.lines;
  console.log(
    `read ${before} lines before the stall, ${received.length} in all; Berth RSS ${mib(baseline)} MiB before, peak ${mib(peak)} MiB during the stall: +${mib(peak - baseline)} MiB`,
  );
  console.log(
    `stream ${stream.close ? `closed with ${stream.close.code} "${stream.close.reason}"` : 'still open'}; gap in what was received: ${firstGap(received) === -1 ? 'none' : `at ${firstGap(received)}`}`,
  );

  if (stream.close?.code === 4000) {
    const since = /since=(\S+)/.exec(stream.close.reason)[1];
    const last = received.at(-1);
    console.log(
      `resume hint since=${since}; last line received ${last.line} at ${last.ts}: ${since === last.ts ? 'matches' : 'DOES NOT MATCH'}`,
    );
    const resumed = reader(await openWs(berth, '/api/v1/ws/logs', { container: container.id, since, tail: 'all' }));
    while (resumed.lines.length < 200_000) await sleep(100);
    console.log(
      `resumed: first line ${resumed.lines[0].line} (again), then ${resumed.lines.length - 1} lines, gap: ${firstGap(resumed.lines) === -1 ? 'none' : `at ${firstGap(resumed.lines)}`}`,
    );
    const joined = firstGap([last, ...resumed.lines.slice(1)]);
    console.log(`lines lost across the reconnect: ${resumed.lines[0].line === last.line && joined === -1 ? 0 : 'SOME'}`);
  } else {
    ws.terminate();
  }
} finally {
  await berth.stop();
  await cleanup();
}
