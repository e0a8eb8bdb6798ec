import { Injectable } from '@nestjs/common';
import { registryNotFound } from './registries.service.js';
import { DistributionClient, type RegistryAccess, type RegistryCheck, RegistryDirectory } from './registry-access.js';
import type {
  RegistryPageQueryDto,
  RegistryRepositoriesDto,
  RegistryTagDeletedDto,
  RegistryTagDto,
  RegistryTagsDto,
} from './dto/registry-browse.dto.js';

const DEFAULT_PAGE_SIZE = 100;

/** A stored registry's contents through the Distribution API: test, catalog, tags, manifests, deletes. */
@Injectable()
export class RegistryBrowseService {
  constructor(
    private readonly directory: RegistryDirectory,
    private readonly client: DistributionClient,
  ) {}

  async test(id: string): Promise<RegistryCheck> {
    return this.client.check(await this.access(id));
  }

  testUnsaved(access: RegistryAccess): Promise<RegistryCheck> {
    return this.client.check(access);
  }

  async repositories(id: string, query: RegistryPageQueryDto): Promise<RegistryRepositoriesDto> {
    return this.client.catalog(await this.access(id), page(query));
  }

  async tags(id: string, repository: string, query: RegistryPageQueryDto): Promise<RegistryTagsDto> {
    const found = await this.client.tags(await this.access(id), repository, page(query));
    return { repository, ...found };
  }

  async tag(id: string, repository: string, tag: string): Promise<RegistryTagDto> {
    const manifest = await this.client.getManifest(await this.access(id), repository, tag);
    return { repository, tag, ...manifest };
  }

  /** Resolves the tag to its digest (HEAD), then deletes that manifest: the Distribution API deletes by digest only. */
  async deleteTag(id: string, repository: string, tag: string): Promise<RegistryTagDeletedDto> {
    const access = await this.access(id);
    const { digest } = await this.client.headManifest(access, repository, tag);
    await this.client.deleteManifest(access, repository, digest);
    return { repository, tag, digest };
  }

  private async access(id: string): Promise<RegistryAccess> {
    const access = await this.directory.byId(id);
    if (!access) throw registryNotFound(id);
    return access;
  }
}

function page(query: RegistryPageQueryDto): { n: number; last?: string } {
  return { n: query.n ?? DEFAULT_PAGE_SIZE, ...(query.last && { last: query.last }) };
}
