// Starts the built Berth as users run it, for the e2e tests (test/support/berth.ts) and the benchmarks (bench/).
// Plain JavaScript, so that both TypeScript tests and .mjs benchmarks import it; types in berth-process.d.mts.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `node <main>` on a free port of 127.0.0.1, on its own data dir unless one is given. Resolves once
 * Berth logs that it listens; rejects with what it printed when it exits first or takes over 20 s.
 */
export async function launchBerth(options = {}) {
  const { main = 'dist/main.js', nodeArgs = [], admin, env = {}, keepOutput = true, uid, gid } = options;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-'));
  // keepOutput false (benchmarks, a line logged per request): Berth writes to a file, as under a log collector,
  // so that the benchmark's own client process is never woken to read Berth's log lines.
  const logFile = keepOutput ? undefined : join(dataDir, 'berth.log');
  const logFd = logFile && openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // Empty counts as unset: no admin from the caller's own environment either.
      BERTH_ADMIN_USERNAME: admin?.username ?? '',
      BERTH_ADMIN_PASSWORD: admin?.password ?? '',
      ...env,
    },
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
    ...(uid !== undefined && { uid }),
    ...(gid !== undefined && { gid }),
  });
  if (logFd !== undefined) closeSync(logFd);
  let output = '';
  let listening = false;
  const url = await new Promise((resolve, reject) => {
    let poll;
    const finish = (settle, value) => {
      listening = true;
      clearTimeout(timer);
      clearInterval(poll);
      child.removeListener('exit', onExit);
      settle(value);
    };
    const timer = setTimeout(() => finish(reject, new Error(`Berth did not start within 20 s:\n${output}`)), 20_000);
    const lookForUrl = () => {
      if (listening) return;
      const line = output.split('\n').find((text) => text.includes('Berth listening'));
      const match = line && /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match) finish(resolve, match[1]);
    };
    const onExit = (code) => {
      if (logFile) output = readFileSync(logFile, 'utf8');
      finish(reject, new Error(`Berth exited with ${code} before listening:\n${output}`));
    };
    child.once('exit', onExit);
    if (logFile) {
      poll = setInterval(() => {
        output = readFileSync(logFile, 'utf8');
        lookForUrl();
      }, 10);
    } else {
      const onData = (chunk) => {
        output += chunk.toString();
        lookForUrl();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    }
  });
  return {
    url,
    pid: child.pid,
    dataDir,
    output: () => output,
    /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** An access token for a username and password; throws when the login fails. */
export async function login(url, { username, password }) {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  return (await response.json()).accessToken;
}
