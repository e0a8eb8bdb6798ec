import { Injectable } from '@nestjs/common';
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { lowerRole, roleAllows } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { ApiKeyCreateDto, ApiKeyCreatedDto, ApiKeyDto } from './dto/api-key.dto.js';
import { ApiKeyRow, ApiKeysRepository, ApiKeyWithOwner } from './api-keys.repository.js';
import { Revocations } from '../revocations/revocations.js';
import { hostGrantsOf } from '../users/users.service.js';
import { highestRole } from '../common/host-grants.js';

export const API_KEY_PREFIX = 'berth_';
/** `berth_` and the first 6 characters of the secret: enough to tell keys apart, useless to guess. */
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;
/**
 * Keys not revoked a user may hold at once, expired ones included (they are listed until revoked): far above what
 * automation needs (a key per bot and host), and a bound on what one login adds to every admin's key list.
 */
export const API_KEYS_PER_USER = 100;
/** lastUsedAt is written at most this often per key, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** SHA-256, hex: run on every authenticated request (the principal cache's key), so the one-shot form, no Hash object. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly revocations: Revocations,
  ) {}

  async create(owner: Principal, dto: ApiKeyCreateDto): Promise<ApiKeyCreatedDto> {
    const role = dto.role ?? owner.role;
    // A role the owner has on some host: the key has it there only (capped per host by the owner's role).
    const most = highestRole(owner.role, owner.hostGrants ?? []);
    if (!roleAllows(most, role)) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `A key's role is at most its owner's: you are '${most}' at most, the key asks for '${role}'.`,
      );
    }
    if (dto.expiresAt !== undefined && !(Date.parse(dto.expiresAt) > Date.now())) {
      throw validationFailed([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: ApiKeyRow = {
      id: randomUUID(),
      userId: owner.userId,
      name: dto.name,
      role,
      prefix: key.slice(0, VISIBLE_PREFIX_LENGTH),
      keyHash: hashApiKey(key),
      expiresAt: dto.expiresAt === undefined ? null : new Date(dto.expiresAt).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
      createdAt: new Date().toISOString(),
      hosts: dto.hosts === undefined ? null : JSON.stringify([...new Set(dto.hosts)]),
    };
    if (!(await this.keys.insertWithin(row, API_KEYS_PER_USER))) {
      throw new ProblemException(
        409,
        'API_KEY_LIMIT',
        `You have ${API_KEYS_PER_USER} API keys that are not revoked (expired ones count until revoked), the most a user may hold: revoke one first.`,
      );
    }
    return { ...toApiKeyDto({ ...row, username: owner.username }), key };
  }

  /** The caller's keys; an admin's call lists everyone's. */
  async list(caller: Principal): Promise<ApiKeyDto[]> {
    const keys = await this.keys.listActive(caller.role === 'admin' ? undefined : caller.userId);
    return keys.map(toApiKeyDto);
  }

  /** Revokes at once, open streams included. Someone else's key is "not found" unless the caller is an admin. */
  async revoke(caller: Principal, id: string): Promise<void> {
    const key = await this.keys.findById(id);
    if (!key || (key.userId !== caller.userId && caller.role !== 'admin')) {
      throw new ProblemException(404, 'API_KEY_NOT_FOUND', `No API key '${id}'.`);
    }
    if (key.revokedAt) return; // already true: success
    await this.keys.revoke(id, new Date().toISOString());
    this.revocations.emit({ apiKeyId: id });
  }

  /** The principal of a key, or null when it is unknown, revoked, expired or its owner disabled. */
  async authenticate(key: string): Promise<Principal | null> {
    return (await this.check(key))?.principal ?? null;
  }

  /**
   * `authenticate`, and until when its answer may be reused: the key's expiry, and no later than the
   * next lastUsedAt write is due (so that a cached key is still seen in use).
   */
  async check(key: string): Promise<{ principal: Principal; reusableUntil: number } | null> {
    const row = await this.keys.findByHash(hashApiKey(key));
    const now = Date.now();
    if (!row || row.revokedAt || row.disabledAt || (row.expiresAt && Date.parse(row.expiresAt) <= now)) return null;
    let touchedAt = row.lastUsedAt ? Date.parse(row.lastUsedAt) : 0;
    if (now - touchedAt >= TOUCH_INTERVAL_MS) {
      await this.keys.touch(row.id, new Date(now).toISOString());
      touchedAt = now;
    }
    const hostGrants = hostGrantsOf({ hostGrants: row.ownerHostGrants });
    const keyHosts = keyHostsOf(row);
    const principal: Principal = {
      kind: 'apiKey',
      userId: row.userId,
      username: row.username,
      role: lowerRole(row.role, row.ownerRole),
      apiKeyId: row.id,
      ...(hostGrants.length > 0 && { hostGrants, keyRole: row.role }),
      ...(keyHosts && { keyHosts }),
    };
    const reusableUntil = Math.min(touchedAt + TOUCH_INTERVAL_MS, row.expiresAt ? Date.parse(row.expiresAt) : Infinity);
    return { principal, reusableUntil };
  }
}

export function toApiKeyDto(key: ApiKeyWithOwner): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    createdAt: key.createdAt,
    userId: key.userId,
    username: key.username,
    hosts: keyHostsOf(key) ?? null,
  };
}

/** The host id globs a key is restricted to; undefined: not restricted. */
function keyHostsOf(key: Pick<ApiKeyRow, 'hosts'>): string[] | undefined {
  return key.hosts === null ? undefined : (JSON.parse(key.hosts) as string[]);
}
