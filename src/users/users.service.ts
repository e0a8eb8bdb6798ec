import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ProblemException } from '../common/problem.js';
import { Revocations } from '../revocations/revocations.js';
import { Database, Executor } from '../database/database.js';
import type { HostGrant } from '../common/host-grants.js';
import { validationFailed } from '../common/validation.js';
import { HostGrantDto, HostRolesDto } from './dto/host-roles.dto.js';
import { UserCreateDto, UserDto, UserUpdateDto } from './dto/user.dto.js';
import { InitialAdmin } from './initial-admin.js';
import { PasswordHasher } from './password-hasher.js';
import { UserRow, UsersRepository } from './users.repository.js';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly database: Database,
    private readonly hasher: PasswordHasher,
    private readonly revocations: Revocations,
    private readonly initialAdmin: InitialAdmin,
  ) {}

  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(toUserDto);
  }

  async get(id: string): Promise<UserDto> {
    return toUserDto(await this.require(id));
  }

  /** The user, enabled, whose password this is; undefined otherwise (same time either way). */
  async verifyCredentials(username: string, password: string): Promise<UserRow | undefined> {
    const user = await this.users.findByUsername(username);
    const matches = await this.hasher.verify(user?.passwordHash, password);
    return user && matches && !user.disabledAt ? user : undefined;
  }

  /** An enabled user by id, for checking a credential on every request. */
  async findActive(id: string): Promise<UserRow | undefined> {
    const user = await this.users.findById(id);
    return user && !user.disabledAt ? user : undefined;
  }

  async create(dto: UserCreateDto): Promise<UserDto> {
    const now = new Date().toISOString();
    const user: UserRow = {
      id: randomUUID(),
      username: dto.username,
      passwordHash: await this.hasher.hash(dto.password),
      role: dto.role,
      tokenVersion: 0,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
      hostGrants: '[]',
    };
    if (!(await this.users.insert(user))) {
      throw new ProblemException(409, 'USERNAME_TAKEN', `The username '${dto.username}' is taken.`);
    }
    return toUserDto(user);
  }

  async update(id: string, dto: UserUpdateDto): Promise<UserDto> {
    // Hash outside the transaction: it takes tens of milliseconds and needs no lock.
    const passwordHash = dto.password === undefined ? undefined : await this.hasher.hash(dto.password);
    const { before, after } = await this.database.transaction(async (trx) => {
      const user = await this.require(id, trx);
      const disabledAt = dto.disabled === undefined ? user.disabledAt : dto.disabled ? (user.disabledAt ?? new Date().toISOString()) : null;
      const role = dto.role ?? user.role;
      const staysActiveAdmin = role === 'admin' && !disabledAt;
      if (isActiveAdmin(user) && !staysActiveAdmin) await this.ensureAnotherAdmin(user, trx);
      const disabling = disabledAt !== null && user.disabledAt === null;
      const changes = {
        role,
        disabledAt,
        // A new password or a disable ends every session for good: re-enabling revives no old token.
        ...((passwordHash || disabling) && { tokenVersion: user.tokenVersion + 1 }),
        ...(passwordHash && { passwordHash }),
        updatedAt: new Date().toISOString(),
      };
      await this.users.update(id, changes, trx);
      return { before: user, after: { ...user, ...changes } };
    });
    // Open streams and unused tickets carry the old state: they end with it.
    if (after.disabledAt && !before.disabledAt) this.revocations.emit({ userId: id });
    else {
      if (passwordHash) this.revocations.emit({ userId: id, sessionsOnly: true });
      if (after.role !== before.role) this.revocations.emit({ userId: id, changed: true });
    }
    if (passwordHash) await this.initialAdmin.forgetIfReplaced(before.passwordHash);
    return toUserDto(after);
  }

  /** The user's per-host grants. */
  async hostRoles(id: string): Promise<HostRolesDto> {
    return { grants: hostGrantsOf(await this.require(id)) };
  }

  /** Replaces the user's per-host grants; their cached credentials, tickets and open streams end with the old ones. */
  async setHostRoles(id: string, dto: HostRolesDto): Promise<HostRolesDto> {
    const grants = dto.grants.map(toHostGrant);
    const bad = dto.grants.flatMap((grant, i) =>
      (grant.host === undefined) === (grant.label === undefined)
        ? [{ field: `grants.${i}`, message: 'give exactly one of host and label' }]
        : [],
    );
    if (bad.length > 0) throw validationFailed(bad);
    const stored = JSON.stringify(grants);
    // Read and written in one transaction: of two concurrent changes, each compares with what the other wrote.
    const changed = await this.database.transaction(async (trx) => {
      const before = await this.require(id, trx);
      await this.users.update(id, { hostGrants: stored, updatedAt: new Date().toISOString() }, trx);
      return before.hostGrants !== stored;
    });
    // As for a role change: the next request, ticket or stream is checked against the new grants.
    if (changed) this.revocations.emit({ userId: id, changed: true });
    return { grants };
  }

  async remove(id: string): Promise<void> {
    await this.database.transaction(async (trx) => {
      const user = await this.require(id, trx);
      if (isActiveAdmin(user)) await this.ensureAnotherAdmin(user, trx);
      await this.users.delete(id, trx);
    });
    this.revocations.emit({ userId: id });
  }

  /** The caller's own password: proven with the current one; every session of the user ends. */
  async changePassword(id: string, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.require(id);
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      throw new ProblemException(403, 'WRONG_PASSWORD', 'The current password is wrong.');
    }
    await this.users.update(id, {
      passwordHash: await this.hasher.hash(newPassword),
      tokenVersion: user.tokenVersion + 1,
      updatedAt: new Date().toISOString(),
    });
    this.revocations.emit({ userId: id, sessionsOnly: true });
    await this.initialAdmin.forgetIfReplaced(user.passwordHash);
  }

  private async require(id: string, db?: Executor): Promise<UserRow> {
    const user = await this.users.findById(id, db);
    if (!user) throw new ProblemException(404, 'USER_NOT_FOUND', `No user '${id}'.`);
    return user;
  }

  // Inside the caller's transaction. SQLite runs one writer at a time, so two demotions cannot
  // both see the other admin; on PostgreSQL this check needs SERIALIZABLE or a row lock.
  private async ensureAnotherAdmin(user: UserRow, trx: Executor): Promise<void> {
    if ((await this.users.countOtherActiveAdmins(user.id, trx)) === 0) {
      throw new ProblemException(409, 'LAST_ADMIN', `'${user.username}' is the last enabled admin: make another admin first.`);
    }
  }
}

function isActiveAdmin(user: UserRow): boolean {
  return user.role === 'admin' && !user.disabledAt;
}

export function toUserDto(user: UserRow): UserDto {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabledAt !== null,
    hostRoles: hostGrantsOf(user),
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** The grants stored with a user. */
export function hostGrantsOf(user: Pick<UserRow, 'hostGrants'>): HostGrant[] {
  return JSON.parse(user.hostGrants) as HostGrant[];
}

/** Only the fields a grant has, in a fixed order (what is stored and shown). */
function toHostGrant(dto: HostGrantDto): HostGrant {
  return { ...(dto.host !== undefined && { host: dto.host }), ...(dto.label !== undefined && { label: dto.label }), role: dto.role };
}
