import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { AppConfig, ConfigError } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { checkAdminSettings, InitialAdmin } from './initial-admin.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';

describe('checkAdminSettings', () => {
  it.each([
    ['nothing set', {}],
    ['a username and a password', { adminUsername: 'root.ops-1', adminPassword: 'x'.repeat(12) }],
    ['the longest password', { adminPassword: 'x'.repeat(256) }],
  ])('accepts %s', (_case, settings) => {
    expect(() => checkAdminSettings(settings)).not.toThrow();
  });

  it.each([
    ['a username with a space', { adminUsername: 'ro ot' }, /BERTH_ADMIN_USERNAME="ro ot": BERTH_ADMIN_USERNAME must be 1-64 letters/],
    ['a username of 65 characters', { adminUsername: 'a'.repeat(65) }, /BERTH_ADMIN_USERNAME=/],
    [
      'a short password',
      { adminPassword: 'short-pass' },
      /BERTH_ADMIN_PASSWORD=\[redacted\]: BERTH_ADMIN_PASSWORD must be 12-256 characters/,
    ],
    ['a long password', { adminPassword: 'x'.repeat(257) }, /BERTH_ADMIN_PASSWORD=\[redacted\]/],
    ['both', { adminUsername: 'ro ot', adminPassword: 'short-pass' }, /BERTH_ADMIN_USERNAME=.*; BERTH_ADMIN_PASSWORD=/],
  ])('refuses %s with a ConfigError naming the variable', (_case, settings, message) => {
    const check = () => checkAdminSettings(settings);
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(message);
    expect(check).not.toThrow(/short-pass|xxxx/);
  });
});

describe('InitialAdmin begun early (src/bootstrap.ts), on a real database', () => {
  const settings = { adminUsername: 'first-admin', adminPassword: 'a-long-enough-password' };
  const open = async () => {
    Logger.overrideLogger(false);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'berth-initial-admin-')), 'data');
    const database = await Database.open(dataDir);
    const hasher = new PasswordHasher();
    const hash = vi.spyOn(hasher, 'hash');
    const users = new UsersRepository(database);
    return { database, hash, users, admin: new InitialAdmin(new AppConfig({ dataDir, ...settings }), users, hasher) };
  };

  it.each([
    ['begun, then awaited at bootstrap', true],
    ['only at bootstrap', false],
  ])('creates the admin once, before bootstrap is done: %s', async (_case, early) => {
    const { database, hash, users, admin } = await open();
    if (early) admin.begin();
    await admin.onApplicationBootstrap();
    expect((await users.list()).map((user) => [user.username, user.role])).toEqual([['first-admin', 'admin']]);
    expect(hash).toHaveBeenCalledTimes(1);
    await database.close();
  });

  it('fails bootstrap, not the process, when the early creation fails', async () => {
    const { database, hash, admin } = await open();
    hash.mockRejectedValue(new Error('no memory for the hash'));
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    admin.begin();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(admin.onApplicationBootstrap()).rejects.toThrow('no memory for the hash');
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    await database.close();
  });
});
