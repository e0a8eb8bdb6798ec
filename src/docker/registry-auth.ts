import { Injectable } from '@nestjs/common';
import type { RegistryAuth } from './engine-types.js';

/**
 * Where a pull finds the stored credentials for an image's registry (the one place, as Portainer
 * does). The registries feature binds the real one; until then nothing is sent, as `docker pull`
 * without `docker login`.
 */
export abstract class RegistryAuthProvider {
  /** The credentials for the registry `imageRef` lives in, or undefined for an anonymous pull. */
  abstract authFor(imageRef: string): Promise<RegistryAuth | undefined>;
}

@Injectable()
export class AnonymousRegistryAuth extends RegistryAuthProvider {
  async authFor(): Promise<RegistryAuth | undefined> {
    return undefined;
  }
}
