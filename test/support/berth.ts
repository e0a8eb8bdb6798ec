import { randomBytes } from 'node:crypto';
import { type Credentials, type LaunchedBerth, launchBerth, login } from '../../scripts/berth-process.mjs';
import { api } from './http.js';
import { until } from './until.js';

export { type Credentials, login };

export type Role = 'viewer' | 'operator' | 'admin';

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
  /** Run as this user and group (the test runs as root): e.g. one outside the engine socket's group. */
  uid?: number;
  gid?: number;
}

/** One admin password per test process, never a fixed one. */
const ADMIN: Credentials = { username: 'admin', password: randomBytes(18).toString('base64url') };

/** Starts the built Berth (`dist/main.js`) as users run it, on a free port and its own data dir. */
export async function startBerth(options: StartOptions = {}): Promise<BerthProcess> {
  const withAdmin = options.admin ?? true;
  let running: LaunchedBerth | undefined;
  let earlier = '';
  let token = '';

  const start = async () => {
    running = await launchBerth({
      dataDir: options.dataDir ?? running?.dataDir,
      admin: withAdmin ? ADMIN : undefined,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
    });
    if (withAdmin) token = await login(running.url, ADMIN);
  };

  await start();
  return {
    get url() {
      return running!.url;
    },
    get token() {
      return token;
    },
    admin: ADMIN,
    dataDir: running!.dataDir,
    output: () => earlier + running!.output(),
    stop: () => running!.stop(),
    async restart() {
      await running!.stop();
      earlier += running!.output();
      await start();
    },
  };
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
  return until(
    async () => {
      const page = await api(berth.url, `/api/v1/audit?${query}`, { token: berth.token });
      if (page.status !== 200) throw new Error(`audit query failed: ${page.status} ${page.text}`);
      items = page.body.items;
      return expected(items) && items;
    },
    () => `audit events for ${query} as expected; got ${JSON.stringify(items, null, 2)}`,
    { timeoutMs: 10_000 },
  );
}
