import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, Credentials, createUser, credentialFor, startBerth } from './support/berth.js';
import { ApiResponse, api, expectProblem } from './support/http.js';

// Long, so that nothing here passes because a window ran out however slow the machine;
// 'a block lifts when its window passes' uses the shortest window instead, and polls.
const WINDOW_MS = 600_000;
const PER_USER = 10;

function expectRateLimited(response: ApiResponse, windowMs = WINDOW_MS): number {
  expectProblem(response, 429, 'RATE_LIMITED');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil(windowMs / 1000));
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  expect(response.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
  expect(response.headers.get('ratelimit-policy')).toMatch(/^\d+;w=\d+$/);
  return retryAfter;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loginAt = (berth: BerthProcess, username: string, password: string) =>
  api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username, password } });

describe('rate limits', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth({
      env: {
        BERTH_AUTH_RATE_WINDOW_MS: String(WINDOW_MS),
        BERTH_AUTH_RATE_LIMIT: String(PER_USER),
        BERTH_AUTH_RATE_LIMIT_PER_ADDRESS: '100',
        BERTH_RATE_LIMIT: '30',
        BERTH_RATE_LIMIT_WINDOW_MS: '60000',
      },
    });
  });
  afterAll(() => berth?.stop());

  const loginAs = (username: string, password: string) => loginAt(berth, username, password);

  it('stops brute force: 20 wrong logins in a row from one address end in 429 with Retry-After, even for the right password', async () => {
    const user = await createUser(berth, 'operator');
    const statuses: number[] = [];
    let last: ApiResponse | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      last = await loginAs(user.username, `wrong-${attempt}`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(PER_USER).fill(401), ...Array(20 - PER_USER).fill(429)]);
    expectRateLimited(last!);
    // While blocked, even the right password is turned away: nothing is learned from the answer.
    const right = await loginAs(user.username, user.password);
    expectRateLimited(right);
    expect(right.headers.get('ratelimit-limit')).toBe(String(PER_USER));
  });

  // Issue 13: about 20 successful logins and key creations in 8 minutes locked an admin out for 5 minutes.
  it('locks out no one who keeps succeeding: 25 logins and 25 key creations, interleaved, all pass; failures still count', async () => {
    const user = await createUser(berth, 'operator');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 25; attempt++) {
      const login = await loginAs(user.username, user.password);
      statuses.push(login.status);
      const key = await api(berth.url, '/api/v1/auth/api-keys', {
        method: 'POST',
        token: login.body.accessToken,
        body: { name: `k${attempt}` },
      });
      statuses.push(key.status);
    }
    expect(statuses).toEqual(Array.from({ length: 25 }).flatMap(() => [200, 201]));
    // The successes left the failure count where it was: the lockout still comes after PER_USER failures.
    const failures: number[] = [];
    for (let attempt = 0; attempt < PER_USER + 1; attempt++) failures.push((await loginAs(user.username, `wrong-${attempt}`)).status);
    expect(failures).toEqual([...Array(PER_USER).fill(401), 429]);
  });

  it('limits every route per credential when BERTH_RATE_LIMIT is set, one credential at a time', async () => {
    const key = await credentialFor(berth, 'viewer');
    const statuses: number[] = [];
    let last: ApiResponse | undefined;
    for (let attempt = 0; attempt < 31; attempt++) {
      last = await api(berth.url, '/api/v1/auth/me', { token: key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(30).fill(200), 429]);
    expectProblem(last!, 429, 'RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await api(berth.url, '/api/v1/auth/me', { token: berth.token });
    expect(other.status).toBe(200);
    expect(Number(other.headers.get('ratelimit-remaining'))).toBeGreaterThan(0);
  });
});

describe('a block lifts when its window passes', () => {
  const SHORT_WINDOW_MS = 1000; // the shortest the config accepts
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_AUTH_RATE_WINDOW_MS: String(SHORT_WINDOW_MS), BERTH_AUTH_RATE_LIMIT: '1' } });
  });
  afterAll(() => berth?.stop());

  it('lets the right password in once the window that blocked it has passed', async () => {
    const user = await createUser(berth, 'operator');
    // Two failures within one window block the pair; a slow machine may need more tries to fit two in one.
    let blocked: ApiResponse | undefined;
    for (let attempt = 0; attempt < 20 && !blocked; attempt++) {
      const response = await loginAt(berth, user.username, `wrong-${attempt}`);
      if (response.status === 429) blocked = response;
      else expect(response.status).toBe(401);
    }
    expect(blocked, 'two failed logins within one window are blocked').toBeDefined();
    expectRateLimited(blocked!, SHORT_WINDOW_MS);
    // Polled, not slept: a refused attempt counts nothing, so asking does not prolong the block.
    let response = await loginAt(berth, user.username, user.password);
    for (const deadline = Date.now() + 20 * SHORT_WINDOW_MS; response.status === 429 && Date.now() < deadline;) {
      await sleep(100);
      response = await loginAt(berth, user.username, user.password);
    }
    expect(response.status).toBe(200);
  });
});

describe('the login limit per client address', () => {
  it('counts failed logins from one address across usernames', async () => {
    const berth = await startBerth({ env: { BERTH_AUTH_RATE_LIMIT_PER_ADDRESS: '6', BERTH_AUTH_RATE_WINDOW_MS: '600000' } });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 8; attempt++) {
        const username = `nobody-${randomBytes(4).toString('hex')}`;
        statuses.push(
          (await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username, password: 'wrong-password' } })).status,
        );
      }
      // startBerth's own login succeeded, so it is not counted.
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await berth.stop();
    }
  });
});

/**
 * A login from another client address: Berth listens on 127.0.0.1, and the whole of 127.0.0.0/8
 * is this machine, so binding the client side to 127.0.0.x gives Berth a distinct `request.ip`.
 */
function loginFrom(address: string, berth: BerthProcess, credentials: Credentials): Promise<number> {
  const { hostname, port } = new URL(berth.url);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: hostname,
        port,
        path: '/api/v1/auth/login',
        method: 'POST',
        localAddress: address,
        headers: { 'content-type': 'application/json' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    call.on('error', reject);
    call.end(JSON.stringify({ username: credentials.username, password: credentials.password }));
  });
}

describe('the login lockout, per username and address', () => {
  const PAIR = 5;
  const CEILING = 12;
  let berth: BerthProcess;

  // A long window, so that nothing here passes because a window ran out.
  beforeAll(async () => {
    berth = await startBerth({
      env: {
        BERTH_AUTH_RATE_LIMIT: String(PAIR),
        BERTH_AUTH_RATE_LIMIT_PER_USERNAME: String(CEILING),
        BERTH_AUTH_RATE_LIMIT_PER_ADDRESS: '1000',
        BERTH_AUTH_RATE_WINDOW_MS: '600000',
      },
    });
  });
  afterAll(() => berth?.stop());

  const wrong = (user: Credentials) => ({ username: user.username, password: `wrong-${randomBytes(4).toString('hex')}` });
  const attempts = async (address: string, count: number, credentials: () => Credentials) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push(await loginFrom(address, berth, credentials()));
    return statuses;
  };

  it('locks out the pair an attacker guesses from, not the account: the user still logs in from their own address', async () => {
    const victim = await createUser(berth, 'viewer');
    expect(await attempts('127.0.0.2', PAIR + 2, () => wrong(victim))).toEqual([...Array(PAIR).fill(401), 429, 429]);
    expect(await loginFrom('127.0.0.2', berth, victim)).toBe(429);
    expect(await loginFrom('127.0.0.3', berth, victim)).toBe(200);
    expect(await loginFrom('127.0.0.1', berth, victim)).toBe(200);
    // The attacker's address is not locked out for other usernames either (only its pair with the victim).
    const other = await createUser(berth, 'viewer');
    expect(await loginFrom('127.0.0.2', berth, other)).toBe(200);
  });

  it('counts failures only: twenty successful logins in a row lock no one out, and a success clears its pair', async () => {
    const user = await createUser(berth, 'viewer');
    expect(await attempts('127.0.0.4', 20, () => user)).toEqual(Array(20).fill(200));
    const statuses = [
      ...(await attempts('127.0.0.4', PAIR - 1, () => wrong(user))),
      await loginFrom('127.0.0.4', berth, user),
      ...(await attempts('127.0.0.4', PAIR - 1, () => wrong(user))),
      await loginFrom('127.0.0.4', berth, user),
    ];
    // Without the reset, the eight failures would be past the limit of five.
    expect(statuses).toEqual([...Array(PAIR - 1).fill(401), 200, ...Array(PAIR - 1).fill(401), 200]);
  });

  it('bounds guessing spread over many addresses with a per-username ceiling', async () => {
    const victim = await createUser(berth, 'viewer');
    // Each address adds at most PAIR + 1 (its failures and the attempt that locks its pair); refused attempts count nothing.
    expect(await attempts('127.0.0.5', PAIR + 3, () => wrong(victim))).toEqual([...Array(PAIR).fill(401), 429, 429, 429]);
    expect(await attempts('127.0.0.6', PAIR + 3, () => wrong(victim))).toEqual([...Array(PAIR).fill(401), 429, 429, 429]);
    expect(await attempts('127.0.0.7', 2, () => wrong(victim))).toEqual([429, 429]);
    expect(await loginFrom('127.0.0.8', berth, victim)).toBe(429);
  });
});

describe('the general limit', () => {
  it('is off by default', async () => {
    const berth = await startBerth();
    try {
      const response = await api(berth.url, '/api/v1/auth/me', { token: berth.token });
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    } finally {
      await berth.stop();
    }
  });
});
