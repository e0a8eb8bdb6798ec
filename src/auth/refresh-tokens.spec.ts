import { Logger } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppConfig } from '../config/app-config.js';
import { DATABASE_FILE, Database } from '../database/database.js';
import { Revocations } from '../revocations/revocations.js';
import { InitialAdmin } from '../users/initial-admin.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { REFRESH_TOKEN_PREFIX, RefreshTokens, hashRefreshToken } from './refresh-tokens.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';

const TTL_SECONDS = 3600;

// Medium tier: the real service and repository on a real SQLite file.
describe('RefreshTokens on a real database', () => {
  let dataDir: string;
  let database: Database;
  let users: UsersService;
  let tokens: RefreshTokens;
  const revocations = new Revocations();
  const password = 'a-long-enough-password';

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataDir = join(mkdtempSync(join(tmpdir(), 'berth-refresh-')), 'data');
    database = await Database.open(dataDir);
    const hasher = new PasswordHasher();
    const usersRepository = new UsersRepository(database);
    const config = new AppConfig({ dataDir, refreshTtlSeconds: TTL_SECONDS });
    users = new UsersService(usersRepository, database, hasher, revocations, new InitialAdmin(config, usersRepository, hasher));
    tokens = new RefreshTokens(new RefreshTokensRepository(database), database, config, revocations);
    tokens.onModuleInit();
    await users.create({ username: 'the-admin', password, role: 'admin' });
  });
  afterAll(async () => {
    tokens.onModuleDestroy();
    await database.close();
  });
  afterEach(() => vi.useRealTimers());

  const issue = async (owner: { id: string; tokenVersion: number }) => (await tokens.issue(owner)).refreshToken;
  let serial = 0;
  const newUser = async () => {
    const user = await users.create({ username: `user-${++serial}`, password, role: 'operator' });
    return { ...user, tokenVersion: 0 };
  };
  const refusal = (token: string) =>
    tokens.rotate(token).then(
      () => 'rotated',
      (error: { code?: string; getStatus?: () => number }) => `${error.getStatus?.()} ${error.code}`,
    );
  /** The rows as stored, read from the file itself. */
  const storedRows = () => {
    const raw = new SQLite(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      return raw.prepare('select * from refresh_tokens').all() as Record<string, unknown>[];
    } finally {
      raw.close();
    }
  };

  it('issues an opaque random token and stores only its SHA-256', async () => {
    const user = await newUser();
    const token = await issue(user);
    expect(token).toMatch(new RegExp(`^${REFRESH_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
    const stored = storedRows();
    expect(JSON.stringify(stored)).not.toContain(token.slice(REFRESH_TOKEN_PREFIX.length));
    expect(stored.find((row) => row.token_hash === hashRefreshToken(token))).toMatchObject({ user_id: user.id, spent_at: null });
  });

  it('rotates: the presented token is spent, the next one of the same family works, once', async () => {
    const user = await newUser();
    const first = await issue(user);
    const second = await tokens.rotate(first);
    expect(second).toMatchObject({ userId: user.id });
    expect(second.refreshToken).not.toBe(first);
    const third = await tokens.rotate(second.refreshToken);
    expect(third.userId).toBe(user.id);
    const rows = storedRows().filter((row) => row.user_id === user.id);
    expect(new Set(rows.map((row) => row.family_id)).size).toBe(1);
    expect(rows.filter((row) => row.spent_at === null)).toHaveLength(1);
  });

  it('reuse of a spent token revokes the whole family: the newest token fails too; other logins of the user stay', async () => {
    const user = await newUser();
    const other = await issue(user);
    const first = await issue(user);
    const { refreshToken: second } = await tokens.rotate(first);
    const { refreshToken: third } = await tokens.rotate(second);
    expect(await refusal(first)).toBe('401 REFRESH_TOKEN_REUSED');
    expect(await refusal(third)).toBe('401 REFRESH_TOKEN_INVALID');
    expect(await refusal(second)).toBe('401 REFRESH_TOKEN_REUSED');
    expect((await tokens.rotate(other)).userId).toBe(user.id);
  });

  it.each([
    ['an unknown token', `${REFRESH_TOKEN_PREFIX}${'A'.repeat(43)}`],
    ['garbage', 'not-a-token'],
    ['an empty string', ''],
  ])('refuses %s as REFRESH_TOKEN_INVALID', async (_case, token) => {
    expect(await refusal(token)).toBe('401 REFRESH_TOKEN_INVALID');
  });

  it('refuses an expired token, and sweeps it at the next login', async () => {
    const user = await newUser();
    const token = await issue(user);
    vi.useFakeTimers({ now: Date.now() + TTL_SECONDS * 1000 + 1, toFake: ['Date'] });
    expect(await refusal(token)).toBe('401 REFRESH_TOKEN_INVALID');
    await issue(user);
    expect(storedRows().some((row) => row.token_hash === hashRefreshToken(token))).toBe(false);
  });

  it('two rotations racing on one token: exactly one wins, the other is reuse', async () => {
    const user = await newUser();
    const token = await issue(user);
    const outcomes = await Promise.all([refusal(token), refusal(token), refusal(token)]);
    expect(outcomes.filter((outcome) => outcome === 'rotated')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === '401 REFRESH_TOKEN_REUSED')).toHaveLength(2);
    expect(storedRows().filter((row) => row.user_id === user.id && row.spent_at === null && row.revoked_at === null)).toHaveLength(0);
  });

  it('logout revokes the family of the token, spent or not; an unknown token changes nothing', async () => {
    const user = await newUser();
    const first = await issue(user);
    const { refreshToken: second } = await tokens.rotate(first);
    await expect(tokens.revokeFamilyOf(first)).resolves.toBe(true);
    expect(await refusal(second)).toBe('401 REFRESH_TOKEN_INVALID');
    // Nothing more to end: what the audit is told (the answer tells nothing either way).
    await expect(tokens.revokeFamilyOf(second)).resolves.toBe(false);
    await expect(tokens.revokeFamilyOf('berth_rt_unknown')).resolves.toBe(false);
  });

  it('a login is one session id: issued, kept through rotations, ended by a logout, which is announced', async () => {
    const user = await newUser();
    const heard: unknown[] = [];
    const stop = revocations.subscribe((revocation) => heard.push(revocation));
    try {
      const first = await tokens.issue(user);
      const other = await tokens.issue(user);
      expect(first.sessionId).not.toBe(other.sessionId);
      const second = await tokens.rotate(first.refreshToken);
      expect(second.sessionId).toBe(first.sessionId);
      expect(await tokens.isLive(first.sessionId)).toBe(true);
      await tokens.revokeFamilyOf(first.refreshToken);
      expect(await tokens.isLive(first.sessionId)).toBe(false);
      expect(await tokens.isLive(other.sessionId)).toBe(true);
      expect(heard).toEqual([{ sessionId: first.sessionId }]);
      // Once: a logout of a login already ended, or of an unknown token, announces nothing.
      await tokens.revokeFamilyOf(second.refreshToken);
      await tokens.revokeFamilyOf('berth_rt_unknown');
      expect(heard).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('reuse of a spent token ends the session and announces it', async () => {
    const user = await newUser();
    const heard: unknown[] = [];
    const stop = revocations.subscribe((revocation) => heard.push(revocation));
    try {
      const first = await tokens.issue(user);
      await tokens.rotate(first.refreshToken);
      expect(await refusal(first.refreshToken)).toBe('401 REFRESH_TOKEN_REUSED');
      expect(await tokens.isLive(first.sessionId)).toBe(false);
      expect(heard).toEqual([{ sessionId: first.sessionId }]);
      expect(await tokens.isLive('no-such-login')).toBe(false);
    } finally {
      stop();
    }
  });

  it.each([
    ['a password change', (id: string) => users.changePassword(id, password, 'another-long-password')],
    ['a password set by an admin', (id: string) => users.update(id, { password: 'another-long-password' })],
    ['a disable', (id: string) => users.update(id, { disabled: true })],
    ['a delete', (id: string) => users.remove(id)],
  ])('%s ends every login of the user', async (_case, change) => {
    const user = await newUser();
    const logins = [await issue(user), await issue(user)];
    await change(user.id);
    await vi.waitFor(async () => expect(storedRows().filter((row) => row.user_id === user.id && row.revoked_at === null)).toEqual([]));
    for (const token of logins) expect(await refusal(token)).toBe('401 REFRESH_TOKEN_INVALID');
  });

  it('keeps every login of a user whose role or host roles change (the role is read on every request)', async () => {
    const user = await newUser();
    const login = await issue(user);
    await users.update(user.id, { role: 'viewer' });
    await users.setHostRoles(user.id, { grants: [{ host: 'local', role: 'operator' }] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(storedRows().filter((row) => row.user_id === user.id && row.revoked_at !== null)).toEqual([]);
    expect((await tokens.rotate(login)).userId).toBe(user.id);
  });

  it('refuses a token issued for an older token version even before the revocation is heard', async () => {
    const user = await newUser();
    const token = await issue({ ...user, tokenVersion: -1 });
    expect(await refusal(token)).toBe('401 REFRESH_TOKEN_INVALID');
  });

  it('leaves refresh tokens alone when only an API key is revoked', async () => {
    const user = await newUser();
    const token = await issue(user);
    revocations.emit({ apiKeyId: 'some-key' });
    revocations.emit({ userId: user.id, apiKeyId: 'some-key' });
    expect((await tokens.rotate(token)).userId).toBe(user.id);
  });
});
