// Starts the built Berth as users run it, for the e2e tests (test/support/berth.ts) and the benchmarks (bench/).
// Plain JavaScript, so that both TypeScript tests and .mjs benchmarks import it; types in berth-process.d.mts.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `node <main>` on a free port of 127.0.0.1, on its own data dir unless one is given. Resolves once
 * Berth logs that it listens; rejects with what it printed when it exits first or takes over 20 s.
 */
export async function launchBerth(options = {}) {
  const { main = 'dist/main.js', nodeArgs = [], admin, env = {}, keepOutput = true, uid, gid } = options;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-'));
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
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid !== undefined && { uid }),
    ...(gid !== undefined && { gid }),
  });
  let output = '';
  let listening = false;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Berth did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      // A benchmark's Berth logs every request: once it listens, keep only what the caller wants kept.
      if (listening && !keepOutput) return;
      output += chunk.toString();
      if (listening) return;
      const line = output.split('\n').find((text) => text.includes('Berth listening'));
      const match = line && /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Berth exited with ${code} before listening:\n${output}`));
    });
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
