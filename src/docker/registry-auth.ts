import { Injectable } from '@nestjs/common';
import type { RegistryAuth } from './engine-types.js';

/**
 * Where a pull, push, build or create finds the stored credentials for an image's registry (the
 * one place, as Portainer does). The registries feature binds the real one (src/registries);
 * AnonymousRegistryAuth is what specs use when credentials do not matter.
 */
export abstract class RegistryAuthProvider {
  /**
   * The credentials for the registry `imageRef` lives in (its host matched exactly), or those of the
   * registry `registryId` names (404 when there is none); undefined for an anonymous pull.
   */
  abstract authFor(imageRef: string, registryId?: string): Promise<RegistryAuth | undefined>;
  /** Every stored registry's credentials by engine server address: a build's X-Registry-Config for private base images. */
  abstract buildAuths(): Promise<Record<string, RegistryAuth>>;
}

@Injectable()
export class AnonymousRegistryAuth extends RegistryAuthProvider {
  async authFor(): Promise<RegistryAuth | undefined> {
    return undefined;
  }
  async buildAuths(): Promise<Record<string, RegistryAuth>> {
    return {};
  }
}

/**
 * X-Registry-Auth and X-Registry-Config: JSON in base64url *with* padding, which is what the engine
 * decodes (Go's base64.URLEncoding). Engine 20.10 silently goes anonymous on a header it cannot
 * decode, and docker-modem sends X-Registry-Config in standard base64: so Berth encodes both itself.
 */
export function registryHeader(value: object): string {
  const unpadded = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, '=');
}
