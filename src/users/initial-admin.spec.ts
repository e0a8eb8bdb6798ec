import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/app-config.js';
import { checkAdminSettings } from './initial-admin.js';

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
