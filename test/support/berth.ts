import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BerthProcess {
  url: string;
  /** An admin's bearer token: pass it as `token` to every api() call. */
  token: string;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
  /** Stops and starts again on the same data dir (a new port). */
  restart(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
}

/** Starts the built Berth (`dist/main.js`) as users run it, on a free port and its own data dir. */
export async function startBerth(options: StartOptions = {}): Promise<BerthProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  let child: ChildProcess;
  let output = '';
  let url = '';

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(process.execPath, ['dist/main.js'], {
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const timer = setTimeout(() => reject(new Error(`Berth did not start within 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(output.slice(output.lastIndexOf('Berth listening') - 400));
        if (!url && match) {
          url = match[1];
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Berth exited with ${code} before listening:\n${output}`));
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });

  await launch();
  return {
    get url() {
      return url;
    },
    // Authentication is not built yet; the issue that builds it logs in here.
    token: '',
    dataDir,
    output: () => output,
    stop,
    async restart() {
      await stop();
      url = '';
      await launch();
    },
  };
}
