import { canonicalImageRef, parseImageRef, registryHost } from '../docker/image-ref.js';
import type { RegistryAccess } from '../registries/registry-access.js';
import { defaultRegistryKind, parseRegistryUrl } from '../registries/registry-url.js';

/** Where an image reference's tag lives: the registry host, the repository path as the v2 API names it, the tag. */
export interface RegistryTarget {
  /** `docker.io/library/busybox:latest`: one spelling per reference, the cache key. */
  reference: string;
  /** As `RegistryDirectory.byHost` matches it: `docker.io`, `127.0.0.1:5001`. */
  host: string;
  /** `library/busybox`, `team/app`: the path without the host. */
  repository: string;
  tag: string;
}

/** The target of a name with an optional tag (`busybox` → `docker.io`, `library/busybox`, `latest`); not for digests or ids. */
export function registryTarget(ref: string): RegistryTarget {
  const reference = canonicalImageRef(ref);
  const { repository, tag } = parseImageRef(reference);
  const host = registryHost(reference);
  return { reference, host, repository: repository.slice(host.length + 1), tag: tag ?? 'latest' };
}

/** The repository of a reference or RepoDigest in one spelling (`busybox@sha256:…` → `docker.io/library/busybox`). */
export function canonicalRepository(ref: string): string {
  return parseImageRef(canonicalImageRef(ref)).repository;
}

/**
 * The access tried when no stored record matches a host: no credentials, the API where a record's would be
 * (https, http on loopback as the engine does; Docker Hub's at registry-1.docker.io).
 */
export function anonymousAccess(host: string): RegistryAccess {
  const location = parseRegistryUrl(host);
  // A host from a reference the grammar accepted is always a valid url.
  if (typeof location === 'string') throw new Error(`registry host ${host}: ${location}`);
  return { name: location.host, kind: defaultRegistryKind(location.host), ...location };
}
