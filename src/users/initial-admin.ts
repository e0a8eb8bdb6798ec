import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError } from '../config/app-config.js';
import { ensureDataDir } from '../database/data-dir.js';
import { PasswordHasher } from './password-hasher.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_PATTERN, USERNAME_RULE } from './user-limits.js';
import { UsersRepository } from './users.repository.js';

export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

/**
 * BERTH_ADMIN_USERNAME and BERTH_ADMIN_PASSWORD follow every user's rules; a ConfigError names each that does not
 * (never the password). Checked at start with the rest of the configuration (src/bootstrap.ts).
 */
export function checkAdminSettings({ adminUsername, adminPassword }: Pick<AppConfig, 'adminUsername' | 'adminPassword'>): void {
  const errors: string[] = [];
  if (adminUsername !== undefined && !USERNAME_PATTERN.test(adminUsername)) {
    errors.push(`BERTH_ADMIN_USERNAME=${JSON.stringify(adminUsername)}: BERTH_ADMIN_USERNAME must be ${USERNAME_RULE}`);
  }
  if (adminPassword !== undefined && (adminPassword.length < PASSWORD_MIN_LENGTH || adminPassword.length > PASSWORD_MAX_LENGTH)) {
    errors.push(`BERTH_ADMIN_PASSWORD=[redacted]: BERTH_ADMIN_PASSWORD must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters`);
  }
  if (errors.length > 0) throw new ConfigError(`invalid configuration: ${errors.join('; ')}`);
}

/** The first start with an empty database creates the admin, so there is always a way in. */
@Injectable()
export class InitialAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger('InitialAdmin');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  private get passwordFile(): string {
    return join(this.config.dataDir, INITIAL_ADMIN_PASSWORD_FILE);
  }

  /** The admin being created, once begun. */
  private creating?: Promise<void>;

  /**
   * Begins creating the admin as soon as the database is ready (src/bootstrap.ts), so that its argon2 hash (tens of
   * ms on a libuv thread) runs while Nest maps the routes; onApplicationBootstrap still awaits it before listening.
   */
  begin(): void {
    this.creating ??= this.createIfEmpty();
    // Its failure is thrown where it is awaited, in onApplicationBootstrap, and fails the start as before.
    this.creating.catch(() => undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    await (this.creating ??= this.createIfEmpty());
  }

  private async createIfEmpty(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const username = this.config.adminUsername ?? 'admin';
    let password = this.config.adminPassword;
    if (!password) {
      password = randomBytes(24).toString('base64url');
      ensureDataDir(this.config.dataDir);
      writeFileSync(this.passwordFile, `${password}\n`, { mode: 0o600 });
    }
    const now = new Date().toISOString();
    await this.users.insert({
      id: randomUUID(),
      username,
      passwordHash: await this.hasher.hash(password),
      role: 'admin',
      tokenVersion: 0,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
      hostGrants: '[]',
    });
    if (this.config.adminPassword) {
      this.logger.log(`created the admin '${username}' from BERTH_ADMIN_USERNAME/BERTH_ADMIN_PASSWORD`);
    } else {
      // The path, never the password: logs travel further than files.
      this.logger.warn(`created the admin '${username}'; its password is in ${this.passwordFile} (change it, and the file goes)`);
    }
  }

  /** Removes the password file once the password in it no longer works. */
  async forgetIfReplaced(oldPasswordHash: string): Promise<void> {
    if (!existsSync(this.passwordFile)) return;
    const password = readFileSync(this.passwordFile, 'utf8').trim();
    if (await this.hasher.verify(oldPasswordHash, password)) unlinkSync(this.passwordFile);
  }
}
