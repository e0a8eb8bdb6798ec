import { Injectable } from '@nestjs/common';
import { validationFailed } from '../common/validation.js';
import type { RegistryAuth } from '../docker/engine-types.js';
import { registryHost } from '../docker/image-ref.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { registryNotFound } from './registries.service.js';
import { RegistryAccess, RegistryDirectory } from './registry-access.js';
import { DOCKER_HUB_HOST, normaliseRegistryHost } from './registry-url.js';

/** The engine's name for Docker Hub in auth configs (the classic builder looks credentials up by it). */
const DOCKER_HUB_SERVER_ADDRESS = 'https://index.docker.io/v1/';

/** The registry host of an image reference, by the engine's grammar, normalised for exact comparison. */
export function referenceRegistryHost(imageRef: string): string {
  return normaliseRegistryHost(registryHost(imageRef));
}

/** What the engine is given for a record; undefined when it holds no credentials (an anonymous pull). */
export function engineAuth(access: RegistryAccess): RegistryAuth | undefined {
  if (access.password === undefined && access.identityToken === undefined && access.username === undefined) return undefined;
  return {
    ...(access.username !== undefined && { username: access.username }),
    ...(access.password !== undefined && { password: access.password }),
    ...(access.identityToken !== undefined && { identitytoken: access.identityToken }),
    serveraddress: access.host === DOCKER_HUB_HOST ? DOCKER_HUB_SERVER_ADDRESS : access.host,
  };
}

/**
 * Credentials go only to the registry they were stored for: the reference's host, parsed by the
 * reference grammar, must equal the record's host exactly (never a prefix or substring).
 */
@Injectable()
export class StoredRegistryAuth extends RegistryAuthProvider {
  constructor(private readonly directory: RegistryDirectory) {
    super();
  }

  async authFor(imageRef: string, registryId?: string): Promise<RegistryAuth | undefined> {
    const host = referenceRegistryHost(imageRef);
    if (registryId === undefined) {
      const access = await this.directory.byHost(host);
      return access && engineAuth(access);
    }
    const access = await this.directory.byId(registryId);
    if (!access) throw registryNotFound(registryId);
    // A named registry for another host would hand its credentials to that host.
    if (access.host !== host) {
      throw validationFailed([
        { field: 'registryId', message: `registry '${access.name}' is for ${access.host}, the image reference names ${host}` },
      ]);
    }
    return engineAuth(access);
  }

  async buildAuths(): Promise<Record<string, RegistryAuth>> {
    const auths: Record<string, RegistryAuth> = {};
    for (const access of await this.directory.all()) {
      const auth = engineAuth(access);
      if (auth) auths[auth.serveraddress] = auth;
    }
    return auths;
  }
}
