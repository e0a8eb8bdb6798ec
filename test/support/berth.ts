import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from './http.js';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Credentials {
  username: string;
  password: string;
}

export interface BerthProcess {
  url: string;
  /** An admin's bearer token (a JWT from login): pass it as `token` to every api() call. Renewed by restart(). */
  token: string;
  /** The first admin, created from BERTH_ADMIN_USERNAME / BERTH_ADMIN_PASSWORD. */
  admin: Credentials;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
  /** Stops and starts again on the same data dir (a new port), and logs in again. */
  restart(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** false: start without BERTH_ADMIN_* and without logging in (Berth generates the admin's password). */
  admin?: boolean;
}

/** One admin password per test process, never a fixed one. */
const ADMIN: Credentials = { username: 'admin', password: randomBytes(18).toString('base64url') };

/** Starts the built Berth (`dist/main.js`) as users run it, on a free port and its own data dir. */
export async function startBerth(options: StartOptions = {}): Promise<BerthProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const withAdmin = options.admin ?? true;
  let child: ChildProcess;
  let output = '';
  let url = '';
  let token = '';

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(process.execPath, ['dist/main.js'], {
        env: {
          ...process.env,
          PORT: '0',
          HOST: '127.0.0.1',
          BERTH_DATA_DIR: dataDir,
          LOG_LEVEL: 'info',
          // Empty counts as unset.
          BERTH_ADMIN_USERNAME: withAdmin ? ADMIN.username : '',
          BERTH_ADMIN_PASSWORD: withAdmin ? ADMIN.password : '',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const timer = setTimeout(() => reject(new Error(`Berth did not start within 20 s:\n${output}`)), 20_000);
      // Only this launch's lines: after a restart the output still holds the previous address.
      const launchedAt = output.length;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const own = output.slice(launchedAt);
        const match = /"url":"(http:\/\/[^"]+)"/.exec(own.slice(Math.max(0, own.lastIndexOf('Berth listening') - 400)));
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

  const start = async () => {
    await launch();
    if (withAdmin) token = await login(url, ADMIN);
  };

  await start();
  return {
    get url() {
      return url;
    },
    get token() {
      return token;
    },
    admin: ADMIN,
    dataDir,
    output: () => output,
    stop,
    async restart() {
      await stop();
      url = '';
      await start();
    },
  };
}

/** An access token for a username and password; throws when login fails. */
export async function login(url: string, credentials: Credentials): Promise<string> {
  const { username, password } = credentials;
  const response = await api(url, '/api/v1/auth/login', { method: 'POST', body: { username, password } });
  if (response.status !== 200) throw new Error(`login as ${credentials.username} failed: ${response.status} ${response.text}`);
  return response.body.accessToken;
}

export interface TestUser extends Credentials {
  id: string;
  role: Role;
}

/** A new user with a role (created by the admin), unique per call. */
export async function createUser(berth: BerthProcess, role: Role): Promise<TestUser> {
  const credentials = { username: `test-${role}-${randomBytes(4).toString('hex')}`, password: randomBytes(18).toString('base64url') };
  const response = await api(berth.url, '/api/v1/users', { method: 'POST', token: berth.token, body: { ...credentials, role } });
  if (response.status !== 201) throw new Error(`creating a ${role} failed: ${response.status} ${response.text}`);
  return { ...credentials, id: response.body.id, role };
}

/**
 * A bearer credential with exactly `role`: by default an API key (what bots use), or a
 * user's login token with `kind: 'token'`. Each call makes a new user.
 */
export async function credentialFor(berth: BerthProcess, role: Role, options: { kind?: 'apiKey' | 'token' } = {}): Promise<string> {
  const user = await createUser(berth, role);
  const token = await login(berth.url, user);
  if (options.kind === 'token') return token;
  const key = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token, body: { name: `test ${role} key`, role } });
  if (key.status !== 201) throw new Error(`creating a ${role} key failed: ${key.status} ${key.text}`);
  return key.body.key;
}

/** Audit records are written once the answer is out: wait for the one a test expects. */
export async function auditEvents(berth: BerthProcess, query: string, expected: (items: any[]) => boolean): Promise<any[]> {
  let items: any[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    const page = await api(berth.url, `/api/v1/audit?${query}`, { token: berth.token });
    if (page.status !== 200) throw new Error(`audit query failed: ${page.status} ${page.text}`);
    items = page.body.items;
    if (expected(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no audit events for ${query} as expected; got ${JSON.stringify(items, null, 2)}`);
}
