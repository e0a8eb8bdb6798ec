import { Injectable } from '@nestjs/common';
import { RegistriesRepository } from './registries.repository.js';
import { RegistriesService } from './registries.service.js';
import { RegistryAccess, RegistryDirectory } from './registry-access.js';
import { normaliseRegistryHost } from './registry-url.js';

/** The registry records from the database, secrets opened on demand. */
@Injectable()
export class StoredRegistryDirectory extends RegistryDirectory {
  constructor(
    private readonly registries: RegistriesRepository,
    private readonly service: RegistriesService,
  ) {
    super();
  }

  async byId(id: string): Promise<RegistryAccess | undefined> {
    const row = await this.registries.findById(id);
    return row && this.service.access(row);
  }

  async byHost(host: string): Promise<RegistryAccess | undefined> {
    // Exact equality on the normalised host (a unique column): never a prefix or substring.
    const row = await this.registries.findByHost(normaliseRegistryHost(host));
    return row && this.service.access(row);
  }

  async all(): Promise<RegistryAccess[]> {
    return (await this.registries.list()).map((row) => this.service.access(row));
  }
}
