import { canonicalImageRef, parseImageRef, registryHost } from '../docker/image-ref.js';
import type { RegistryAccess } from '../registries/registry-access.js';

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

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The engine's own rule: registries on loopback are spoken to over plain http, all others over https. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** The access tried when no stored record matches a host: no credentials (Docker Hub's API lives at registry-1). */
export function anonymousAccess(host: string): RegistryAccess {
  if (DOCKER_HUB_HOSTS.has(host))
    return { name: 'Docker Hub', kind: 'dockerhub', host: 'docker.io', apiUrl: 'https://registry-1.docker.io' };
  return { name: host, kind: 'generic', host, apiUrl: `${isLoopbackHost(host) ? 'http' : 'https'}://${host}` };
}
