/**
 * The seams of the registries feature (issue 11), fixed first so its parts can be built apart:
 * the stored records (`RegistryDirectory`), the Distribution v2 client (`DistributionClient`)
 * and what the engine is given (`RegistryAuthProvider` in src/docker/registry-auth.ts).
 * Nothing here is ever serialised to a client: `RegistryAccess` holds decrypted secrets.
 */

export const REGISTRY_KINDS = ['generic', 'dockerhub', 'ghcr', 'gitlab'] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

/** A registry with its secrets decrypted: what the v2 client and the engine's auth header need. */
export interface RegistryAccess {
  /** Absent for an unsaved record (`POST /registries/test`). */
  id?: string;
  name: string;
  kind: RegistryKind;
  /** The registry host (with port) as image references name it: `docker.io`, `ghcr.io`, `127.0.0.1:5001`. */
  host: string;
  /** Base URL of the Distribution API, no trailing slash: `https://registry-1.docker.io`, `http://127.0.0.1:5001`. */
  apiUrl: string;
  username?: string;
  password?: string;
  identityToken?: string;
}

/** The stored registry records, decrypted on demand. */
export abstract class RegistryDirectory {
  abstract byId(id: string): Promise<RegistryAccess | undefined>;
  /** The record whose host equals `host` exactly (after normalisation: Docker Hub's names are one). */
  abstract byHost(host: string): Promise<RegistryAccess | undefined>;
  abstract all(): Promise<RegistryAccess[]>;
}

export const REGISTRY_FAILURE_REASONS = ['unauthorized', 'forbidden', 'tls', 'unreachable', 'not-a-registry'] as const;
export type RegistryFailureReason = (typeof REGISTRY_FAILURE_REASONS)[number];

/** `POST /registries/{id}/test`'s answer. */
export interface RegistryCheck {
  ok: boolean;
  detail: string;
  reason?: RegistryFailureReason;
}

/** A manifest as a HEAD (or GET) names it. */
export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  sizeBytes: number;
}

export interface ManifestPlatform {
  os: string;
  architecture: string;
  variant?: string;
  digest: string;
}

/** A manifest fetched and read: `platforms` for an index / manifest list, `created` from an image's config when known. */
export interface ManifestDetail extends ManifestDescriptor {
  platforms?: ManifestPlatform[];
  created?: string;
  /** An image manifest's config and layers, compressed, as pushed: what a pull downloads. */
  contentSizeBytes?: number;
}

export interface RegistryPage<T> {
  items: T[];
  /** The `last` to ask for the next page (from the `Link` header), absent on the last page. */
  next?: string;
}

/** Distribution v2 (Registry HTTP API), no engine involved. Errors: `ProblemException` with a registry code. */
export abstract class DistributionClient {
  abstract check(access: RegistryAccess): Promise<RegistryCheck>;
  abstract catalog(access: RegistryAccess, page: { n: number; last?: string }): Promise<RegistryPage<string>>;
  abstract tags(access: RegistryAccess, repository: string, page: { n: number; last?: string }): Promise<RegistryPage<string>>;
  /** HEAD: does not count against Docker Hub's pull limit; use it for polling. */
  abstract headManifest(access: RegistryAccess, repository: string, reference: string): Promise<ManifestDescriptor>;
  abstract getManifest(access: RegistryAccess, repository: string, reference: string): Promise<ManifestDetail>;
  abstract deleteManifest(access: RegistryAccess, repository: string, digest: string): Promise<void>;
}
