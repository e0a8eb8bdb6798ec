// 200 concurrent followers of one container: how many engine streams Berth opens, whether
// every subscriber receives every line in order, and Berth's RSS.
// Usage: node bench/streams/fanout.mjs [subscribers=200] [lines=100000]
import { cleanup, docker, metric, mib, openWs, runContainer, sleep, startBerth } from './lib.mjs';

const SUBSCRIBERS = Number(process.argv[2] ?? 200);
const LINES = Number(process.argv[3] ?? 100_000);

const berth = await startBerth({ BERTH_STREAMS_PER_USER: String(SUBSCRIBERS + 10) });
try {
  const container = await runContainer(['sh', '-c', `while [ ! -f /tmp/go ]; do sleep 0.1; done; seq 1 ${LINES}; sleep 3600`]);
  const rssIdle = berth.rssBytes();
  const sockets = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, () => openWs(berth, '/api/v1/ws/logs', { container: container.id, tail: 0 })),
  );
  const progress = sockets.map((ws) => {
    const state = { next: 1, bad: 0 };
    ws.on('message', (data) => {
      // A frame is always an array of {stream, ts, line}.
      for (const { line } of JSON.parse(data.toString())) {
        if (Number(line) !== state.next) state.bad++;
        state.next = Number(line) + 1;
      }
    });
    return state;
  });
  const engineStreams = await metric(berth, 'berth_ws_engine_streams{channel="logs"}');
  const openSockets = await metric(berth, 'berth_ws_open_sockets{channel="logs"}');
  const started = Date.now();
  await (await docker.getContainer(container.id).exec({ Cmd: ['touch', '/tmp/go'] })).start({ Detach: true });
  let peak = berth.rssBytes();
  while (progress.some((p) => p.next <= LINES) && Date.now() - started < 300_000) {
    await sleep(100);
    peak = Math.max(peak, berth.rssBytes());
  }
  const seconds = (Date.now() - started) / 1000;
  const complete = progress.filter((p) => p.next === LINES + 1 && p.bad === 0).length;
  console.log(`${SUBSCRIBERS} subscribers (${openSockets} open sockets), engine streams: ${engineStreams}`);
  console.log(
    `${complete}/${SUBSCRIBERS} received all ${LINES} lines in order, in ${seconds.toFixed(1)} s (${Math.round((LINES * SUBSCRIBERS) / seconds)} lines/s delivered)`,
  );
  console.log(`Berth RSS: ${mib(rssIdle)} MiB idle, peak ${mib(peak)} MiB`);
  for (const ws of sockets) ws.terminate();
} finally {
  await berth.stop();
  await cleanup();
}
