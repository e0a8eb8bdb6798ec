import { Inject, Injectable } from '@nestjs/common';
import type { Updateable } from 'kysely';
import { randomUUID } from 'node:crypto';
import { ProblemException } from '../common/problem.js';
import type { RegistriesTable } from '../database/schema.js';
import { RegistryCreateDto, RegistryDto, RegistryUpdateDto } from './dto/registry.dto.js';
import { REGISTRY_KINDS, type RegistryAccess, type RegistryKind } from './registry-access.js';
import { checkOneSecret, registryAccessFromBody, registryLocation } from './registry-body.js';
import { RegistriesRepository, RegistryConflict, RegistryRow } from './registries.repository.js';
import { SecretBox, SecretUnreadableError } from './secret-box.js';

/** The associated data a sealed secret is bound to: its record and field. */
export const secretContext = (id: string, field: 'password' | 'identityToken') => `registry:${id}:${field}`;

/** Registry records: secrets sealed on the way in, opened only for the engine and the v2 client. */
@Injectable()
export class RegistriesService {
  constructor(
    private readonly registries: RegistriesRepository,
    @Inject(SecretBox) private readonly secrets: SecretBox,
  ) {}

  async list(): Promise<RegistryDto[]> {
    return (await this.registries.list()).map(toRegistryDto);
  }

  async get(id: string): Promise<RegistryDto> {
    return toRegistryDto(await this.require(id));
  }

  async create(dto: RegistryCreateDto): Promise<RegistryDto> {
    const access = registryAccessFromBody(dto);
    const now = new Date().toISOString();
    const id = randomUUID();
    const row: RegistryRow = {
      id,
      name: dto.name,
      kind: access.kind,
      host: access.host,
      apiUrl: access.apiUrl,
      username: access.username ?? null,
      passwordSealed: access.password === undefined ? null : this.secrets.seal(access.password, secretContext(id, 'password')),
      identityTokenSealed:
        access.identityToken === undefined ? null : this.secrets.seal(access.identityToken, secretContext(id, 'identityToken')),
      createdAt: now,
      updatedAt: now,
    };
    throwConflict(await this.registries.insert(row), row);
    return toRegistryDto(row);
  }

  async update(id: string, dto: RegistryUpdateDto): Promise<RegistryDto> {
    const location = dto.url === undefined ? undefined : registryLocation(dto.url);
    checkOneSecret(dto.password, dto.identityToken);
    const row = await this.require(id);
    const changes: Updateable<RegistriesTable> = { updatedAt: new Date().toISOString() };
    if (dto.name !== undefined) changes.name = dto.name;
    if (location) Object.assign(changes, { host: location.host, apiUrl: location.apiUrl });
    if (dto.kind !== undefined) changes.kind = dto.kind;
    if (dto.username !== undefined) changes.username = dto.username;
    // A record logs in one way: a new password drops the token and the other way round.
    if (dto.password !== undefined) {
      changes.passwordSealed = dto.password === null ? null : this.secrets.seal(dto.password, secretContext(id, 'password'));
      if (dto.password !== null) changes.identityTokenSealed = null;
    }
    if (dto.identityToken !== undefined) {
      changes.identityTokenSealed =
        dto.identityToken === null ? null : this.secrets.seal(dto.identityToken, secretContext(id, 'identityToken'));
      if (dto.identityToken !== null) changes.passwordSealed = null;
    }
    const after = { ...row, ...changes } as RegistryRow;
    throwConflict(await this.registries.update(id, changes), after);
    return toRegistryDto(after);
  }

  /** The record deleted (for the audit log), or 404. */
  async remove(id: string): Promise<RegistryDto> {
    const row = await this.require(id);
    if (!(await this.registries.delete(id))) throw registryNotFound(id);
    return toRegistryDto(row);
  }

  /** A record with its secrets opened; 500 REGISTRY_SECRET_UNREADABLE when the key cannot open them. */
  access(row: RegistryRow): RegistryAccess {
    return {
      id: row.id,
      name: row.name,
      kind: toKind(row.kind),
      host: row.host,
      apiUrl: row.apiUrl,
      ...(row.username !== null && { username: row.username }),
      ...(row.passwordSealed !== null && { password: this.open(row, row.passwordSealed, 'password') }),
      ...(row.identityTokenSealed !== null && { identityToken: this.open(row, row.identityTokenSealed, 'identityToken') }),
    };
  }

  private open(row: RegistryRow, sealed: string, field: 'password' | 'identityToken'): string {
    try {
      return this.secrets.open(sealed, secretContext(row.id, field));
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      throw new ProblemException(
        500,
        'REGISTRY_SECRET_UNREADABLE',
        `The stored ${field} of registry '${row.name}' cannot be decrypted: ${error.message}. ` +
          "Was BERTH_SECRET_KEY or the data dir's secret-key changed? Restore the key, or set the password again.",
      );
    }
  }

  private async require(id: string): Promise<RegistryRow> {
    const row = await this.registries.findById(id);
    if (!row) throw registryNotFound(id);
    return row;
  }
}

export function registryNotFound(id: string): ProblemException {
  return new ProblemException(404, 'REGISTRY_NOT_FOUND', `No registry '${id}'.`);
}

function throwConflict(conflict: RegistryConflict | undefined, row: RegistryRow): void {
  if (conflict === 'name') {
    throw new ProblemException(409, 'REGISTRY_NAME_TAKEN', `A registry is already named '${row.name}'.`, {
      errors: [{ field: 'name', message: 'name is taken' }],
    });
  }
  if (conflict === 'host') {
    throw new ProblemException(409, 'REGISTRY_HOST_TAKEN', `A registry for host '${row.host}' exists already: change that one.`, {
      errors: [{ field: 'url', message: `host ${row.host} has a registry already` }],
    });
  }
}

function toKind(kind: string): RegistryKind {
  return (REGISTRY_KINDS as readonly string[]).includes(kind) ? (kind as RegistryKind) : 'generic';
}

export function toRegistryDto(row: RegistryRow): RegistryDto {
  return {
    id: row.id,
    name: row.name,
    kind: toKind(row.kind),
    host: row.host,
    url: row.apiUrl,
    username: row.username,
    hasPassword: row.passwordSealed !== null,
    hasIdentityToken: row.identityTokenSealed !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
