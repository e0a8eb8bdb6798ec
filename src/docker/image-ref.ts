/**
 * Image references as the engine reads them: `[registry[:port]/]path[:tag][@digest]`.
 * Only what Berth needs: the default tag (a pull without one fetches every tag) and the registry.
 */
export interface ImageRefParts {
  /** Everything before the tag or digest, e.g. `localhost:5001/team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(ref: string): ImageRefParts {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash is a tag; one before it is a registry port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { repository: rest, digest };
}

/** `busybox` → `busybox:latest`, as `docker run` reads it; references with a tag or digest unchanged. */
export function withDefaultTag(ref: string): string {
  if (ref.startsWith('sha256:')) return ref;
  const parts = parseImageRef(ref);
  return parts.tag || parts.digest ? ref : `${ref}:latest`;
}

/** The registry host of a reference (`docker.io` when the first component is not a host). */
export function registryHost(ref: string): string {
  const { repository } = parseImageRef(ref);
  const slash = repository.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = repository.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/**
 * One spelling per image reference, to compare them as the engine does: `busybox`,
 * `library/busybox:latest` and `docker.io/library/busybox:latest` name one image.
 */
export function canonicalImageRef(ref: string): string {
  if (ref.startsWith('sha256:')) return ref;
  const { repository, tag, digest } = parseImageRef(ref);
  const named = registryHost(ref);
  const host = named === 'index.docker.io' ? 'docker.io' : named;
  let path = repository.startsWith(`${named}/`) ? repository.slice(named.length + 1) : repository;
  if (host === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  return `${host}/${path}${tag ? `:${tag}` : digest ? '' : ':latest'}${digest ? `@${digest}` : ''}`;
}
