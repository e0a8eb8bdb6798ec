// Exec round trip: a byte written to an interactive `cat` until its echo comes back, through
// Berth's /api/v1/ws/exec and through the engine's own hijacked exec connection, alternating.
// Usage: node bench/streams/exec-rtt.mjs [samples=2000]
import { cleanup, docker, openWs, percentile, runContainer, startBerth } from './lib.mjs';

const SAMPLES = Number(process.argv[2] ?? 2000);

async function viaEngine(container) {
  const exec = await docker.getContainer(container.id).exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const socket = await exec.start({ hijack: true, stdin: true });
  let resolveEcho;
  socket.on('data', () => resolveEcho?.());
  return {
    async roundTrip() {
      const echoed = new Promise((resolve) => (resolveEcho = resolve));
      const started = process.hrtime.bigint();
      socket.write('x');
      await echoed;
      return Number(process.hrtime.bigint() - started) / 1e6;
    },
    close: () => socket.destroy(),
  };
}

async function viaBerth(berth, container) {
  const ws = await openWs(berth, '/api/v1/ws/exec', { container: container.id, cmd: 'cat' });
  let resolveEcho;
  ws.on('message', (data) => data[0] === 1 && resolveEcho?.());
  const frame = Buffer.from([0, 0x78]);
  return {
    async roundTrip() {
      const echoed = new Promise((resolve) => (resolveEcho = resolve));
      const started = process.hrtime.bigint();
      ws.send(frame);
      await echoed;
      return Number(process.hrtime.bigint() - started) / 1e6;
    },
    close: () => ws.close(),
  };
}

const berth = await startBerth();
try {
  const container = await runContainer(['sleep', '3600']);
  const engine = await viaEngine(container);
  const viaB = await viaBerth(berth, container);
  for (let i = 0; i < 100; i++) {
    await engine.roundTrip();
    await viaB.roundTrip();
  }
  const times = { engine: [], berth: [] };
  for (let i = 0; i < SAMPLES; i++) {
    times.engine.push(await engine.roundTrip());
    times.berth.push(await viaB.roundTrip());
  }
  for (const [name, values] of Object.entries(times)) {
    values.sort((a, b) => a - b);
    console.log(`${name}: p50 ${percentile(values, 50).toFixed(3)} ms, p99 ${percentile(values, 99).toFixed(3)} ms (${SAMPLES} samples)`);
  }
  engine.close();
  viaB.close();
} finally {
  await berth.stop();
  await cleanup();
}
