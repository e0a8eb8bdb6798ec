// Shared pieces of the stream benchmarks: a Berth process, the engine, a few measurements.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- benchmarks measure the engine directly, beside Berth
import Docker from 'dockerode';
import { WebSocket } from 'ws';
import { launchBerth, login } from '../../scripts/berth-process.mjs';

export const docker = new Docker();
export const IMAGE = 'berth-test/busybox:latest';
export const runId = `bench-${randomBytes(3).toString('hex')}`;
const LABELS = { 'berth.test': '1', 'berth.test.run': runId };
const ADMIN = { username: 'bench-admin', password: randomBytes(12).toString('hex') };

/** Starts the built Berth on a free port (BENCH_BERTH_MAIN: another build); resolves with its url, pid and an admin token. */
export async function startBerth(env = {}, nodeArgs = [], main = process.env.BENCH_BERTH_MAIN) {
  const berth = await launchBerth({ main, nodeArgs, admin: ADMIN, env });
  const token = await login(berth.url, ADMIN);
  return {
    url: berth.url,
    pid: berth.pid,
    token,
    rssBytes: () => rssBytes(berth.pid),
    cpuSeconds: () => cpuSeconds(berth.pid),
    stop: berth.stop,
  };
}

/** CPU time (user + system) a process used so far. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

export async function metric(berth, name) {
  const text = await (await fetch(`${berth.url}/metrics`, { headers: { authorization: `Bearer ${berth.token}` } })).text();
  const match = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** A labelled container with bounded log files (the benchmarks write a lot). */
export async function runContainer(cmd, { maxSize = '100m' } = {}) {
  const container = await docker.createContainer({
    Image: IMAGE,
    name: `berth-test-bench-${randomBytes(3).toString('hex')}`,
    Cmd: cmd,
    Labels: LABELS,
    HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': maxSize, 'max-file': '3' } } },
  });
  await container.start();
  return container;
}

export async function cleanup() {
  const containers = await docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

export function wsUrl(berth, path, params) {
  const url = new URL(path, berth.url.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) url.searchParams.append(key, String(v));
  return url.toString();
}

export function openWs(berth, path, params) {
  const ws = new WebSocket(wsUrl(berth, path, params), { headers: { authorization: `Bearer ${berth.token}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The engine's log stream of a container, raw, straight from the socket. */
export function engineLogStream(container, query) {
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      { path: `/containers/${container.id}/logs?`, method: 'GET', isStream: true, statusCodes: { 200: true }, options: query },
      (error, stream) => (error ? reject(error) : resolve(stream)),
    ),
  );
}

/** Counts the lines in an engine log stream (8-byte frame headers, newline-terminated payloads). */
export function frameLineCounter() {
  let pending = Buffer.alloc(0);
  let lines = 0;
  let bytes = 0;
  return {
    get lines() {
      return lines;
    },
    /** Payload bytes (the log's text, demultiplexed). */
    get bytes() {
      return bytes;
    },
    push(chunk) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      while (pending.length - offset >= 8) {
        const size = pending.readUInt32BE(offset + 4);
        if (pending.length - offset - 8 < size) break;
        const payload = pending.subarray(offset + 8, offset + 8 + size);
        bytes += size;
        for (let i = payload.indexOf(10); i !== -1; i = payload.indexOf(10, i + 1)) lines++;
        offset += 8 + size;
      }
      pending = pending.subarray(offset);
    },
  };
}

/** Counts log lines in Berth frames without parsing them ("line": only occurs as the key). */
export function countBerthLines(text) {
  let count = 0;
  for (let i = text.indexOf('"line":'); i !== -1; i = text.indexOf('"line":', i + 7)) count++;
  return count;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
