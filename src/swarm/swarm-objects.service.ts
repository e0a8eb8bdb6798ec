import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { type Page, pageOf } from '../common/pagination.js';
import { ProblemException } from '../common/problem.js';
import { redactsFor } from '../common/redaction.js';
import { validationFailed } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { SwarmObjectKind } from '../docker/engine-swarm.js';
import { apiAtLeast } from '../prune/prune-planner.js';
import type { ConfigDto, SecretDto, SwarmObjectCreateDto, SwarmObjectCreatedDto, SwarmObjectListQueryDto } from './dto/swarm-object.dto.js';
import { objectFilters, toConfig, toSecret, valueBytes } from './swarm-views.js';

/** swarmkit's limits (MaxSecretSize, MaxConfigSize): the data must be shorter than these. */
export const SWARM_VALUE_LIMITS: Record<SwarmObjectKind, number> = { secret: 500 * 1024, config: 1000 * 1024 };
/** The engine API version each kind came with. */
const SINCE: Record<SwarmObjectKind, [number, number]> = { secret: [1, 25], config: [1, 30] };

const BY_NAME = { key: (o: { name: string; id: string }) => [o.name, o.id], parts: 2 };

/**
 * Secrets and configs of a swarm, created from a value. A secret's value goes to the engine and nowhere else:
 * not answered, not logged, not audited, not hashed into an idempotency record.
 */
@Injectable()
export class SwarmObjectsService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly config: AppConfig,
  ) {}

  async listSecrets(hostId: string, query: SwarmObjectListQueryDto): Promise<Page<SecretDto>> {
    const engine = await this.engineFor(hostId, 'secret');
    return pageOf((await engine.listSwarmObjects('secret', objectFilters(query))).map(toSecret), query, BY_NAME);
  }

  async inspectSecret(hostId: string, ref: string): Promise<SecretDto> {
    const engine = await this.engineFor(hostId, 'secret');
    return toSecret(await engine.inspectSwarmObject('secret', ref));
  }

  /** Lists carry no data (they would be as large as all configs together); inspect carries it, redacted for viewers. */
  async listConfigs(hostId: string, query: SwarmObjectListQueryDto): Promise<Page<ConfigDto>> {
    const engine = await this.engineFor(hostId, 'config');
    return pageOf(
      (await engine.listSwarmObjects('config', objectFilters(query))).map((c) => toConfig(c, false)),
      query,
      BY_NAME,
    );
  }

  async inspectConfig(hostId: string, ref: string, principal: Principal | undefined): Promise<ConfigDto> {
    const engine = await this.engineFor(hostId, 'config');
    const withData = !redactsFor(this.config.viewerRedaction, principal?.role);
    return toConfig(await engine.inspectSwarmObject('config', ref), withData);
  }

  async create(hostId: string, kind: SwarmObjectKind, dto: SwarmObjectCreateDto): Promise<SwarmObjectCreatedDto> {
    const data = checkedValue(kind, dto);
    const engine = await this.engineFor(hostId, kind);
    const { id } = await engine.createSwarmObject(kind, { Name: dto.name, Labels: dto.labels ?? {}, Data: data.toString('base64') });
    return { id, name: dto.name };
  }

  async remove(hostId: string, kind: SwarmObjectKind, ref: string): Promise<void> {
    const engine = await this.engineFor(hostId, kind);
    await engine.removeSwarmObject(kind, ref);
  }

  /** The host's engine, once it is known to speak the API version the kind needs (501 ENGINE_API_TOO_OLD otherwise). */
  private async engineFor(hostId: string, kind: SwarmObjectKind): Promise<Engine> {
    const engine = this.hosts.get(hostId);
    const [major, minor] = SINCE[kind];
    const { ApiVersion } = await engine.version();
    if (!apiAtLeast(ApiVersion, major, minor)) {
      throw new ProblemException(
        501,
        'ENGINE_API_TOO_OLD',
        `Swarm ${kind}s need Docker API ${major}.${minor}; host '${hostId}' speaks ${ApiVersion}.`,
      );
    }
    return engine;
  }
}

/** The value's bytes, within swarmkit's limit (checked here so that a refusal names the field, never the value). */
export function checkedValue(kind: SwarmObjectKind, dto: Pick<SwarmObjectCreateDto, 'value' | 'encoding'>): Buffer {
  const bytes = valueBytes(dto.value, dto.encoding);
  if (!bytes) throw validationFailed([{ field: 'value', message: 'value must be base64 when encoding is base64' }]);
  const limit = SWARM_VALUE_LIMITS[kind];
  if (bytes.length === 0 || bytes.length >= limit) {
    throw validationFailed([{ field: 'value', message: `a ${kind}'s value must be 1 to ${limit - 1} bytes (it has ${bytes.length})` }]);
  }
  return bytes;
}
