// A large build context uploaded through Berth: its RSS must not grow with the context's size.
//
//   npm run build && node bench/images-build-context.mjs [--mib 200]
//
// Streams a tar (a Dockerfile and one file of --mib MiB, made on the fly, never whole in memory
// here either) to POST /api/v1/hosts/local/images/build, samples Berth's RSS every 50 ms from
// before the upload to the job's end, and prints baseline, peak and growth. The image is labelled
// berth.test=1 and removed at the end.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { IMAGE, docker, rssBytes, runId, startBerth } from './streams/lib.mjs';

const { values: args } = parseArgs({ options: { mib: { type: 'string', default: '200' } } });
const SIZE = Number(args.mib) * 1024 * 1024;
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const tag = `berth-test/bench-build-${runId}:latest`;

/** A ustar header for a regular file. */
function header(name, size) {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\u000000', 257);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

const pad = (size) => Buffer.alloc((512 - (size % 512)) % 512);

async function* context() {
  const dockerfile = Buffer.from(`FROM ${IMAGE}\nLABEL berth.test=1 berth.test.run=${runId}\n`);
  yield Buffer.concat([header('Dockerfile', dockerfile.length), dockerfile, pad(dockerfile.length)]);
  yield header('big.bin', SIZE);
  const chunk = randomBytes(1024 * 1024);
  for (let sent = 0; sent < SIZE; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, SIZE - sent));
  yield Buffer.concat([pad(SIZE), Buffer.alloc(1024)]);
}

const berth = await startBerth({ BERTH_BUILD_CONTEXT_MAX_BYTES: String(SIZE + 1024 * 1024) });
try {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const baseline = rssBytes(berth.pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(berth.pid))), 50);
  const started = Date.now();
  const url = new URL(`${berth.url}/api/v1/hosts/local/images/build?tag=${encodeURIComponent(tag)}&wait=true`);
  const answer = await new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/x-tar' } },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    request.on('error', reject);
    Readable.from(context()).pipe(request);
  });
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  if (answer.body.status !== 'succeeded') throw new Error(`build failed: ${JSON.stringify(answer.body)}`);
  console.log(
    `| build context ${args.mib} MiB (tar, chunked) | ${seconds.toFixed(1)} s (${(Number(args.mib) / seconds).toFixed(0)} MiB/s, upload + build) | RSS ${mib(baseline)} → peak ${mib(peak)} MiB | **+${mib(peak - baseline)} MiB** |`,
  );
} finally {
  await berth.stop();
  await docker
    .getImage(tag)
    .remove({ force: true })
    .catch(() => undefined);
}
