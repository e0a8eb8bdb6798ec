import { validationFailed } from '../common/validation.js';
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

/** The registry host of a reference (`docker.io` when the first component is not a host), as the engine splits it. */
export function registryHost(ref: string): string {
  return splitDomain(parseImageRef(ref).repository).domain ?? 'docker.io';
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

// The engine's reference grammar (distribution/reference), checked before any engine call so a
// bad reference is a 400 naming its wrong part rather than whatever the engine says.
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** An image id, whole or as a prefix of its hex, as `docker image inspect` takes it. */
const IMAGE_ID = /^sha256:[a-f0-9]{1,64}$/;
/** The engine's bound on a name (registry and path, without tag or digest). */
export const NAME_MAX_LENGTH = 255;

/** A reference that passed the grammar: either an image id (or id prefix) or a name with its parts. */
export interface ImageReference extends ImageRefParts {
  /** The text as given. */
  ref: string;
  /** `sha256:<hex>`: an id or id prefix, not a name. */
  isId: boolean;
  /** The registry host (with its port) when the reference names one. */
  domain?: string;
  /** The repository path without the registry host. */
  path: string;
}

/** Which part of a reference is wrong, and why: the `errors` of a 400. */
export interface RefPartError {
  part: 'reference' | 'registry' | 'path' | 'tag' | 'digest' | 'id';
  message: string;
}

/** The first wrong part of `ref` by the engine's grammar, or undefined when it is a valid reference. */
export function imageRefError(ref: string, options: { allowId?: boolean } = { allowId: true }): RefPartError | undefined {
  if (ref.length === 0) return { part: 'reference', message: 'is empty' };
  if (ref.startsWith('sha256:') && !ref.includes('@')) {
    if (!options.allowId) return { part: 'reference', message: 'an image id cannot be used here; give a repository name' };
    return IMAGE_ID.test(ref) ? undefined : { part: 'id', message: 'must be sha256: followed by 1 to 64 lowercase hex digits' };
  }
  const { repository, tag, digest } = parseImageRef(ref);
  if (digest !== undefined && !DIGEST.test(digest))
    return { part: 'digest', message: 'must be sha256: followed by 64 lowercase hex digits' };
  if (tag !== undefined && !TAG.test(tag))
    return { part: 'tag', message: 'must be 1 to 128 of letters, digits, _ . - and not start with . or -' };
  if (repository.length === 0) return { part: 'path', message: 'is empty' };
  if (repository.length > NAME_MAX_LENGTH) return { part: 'reference', message: `the name is longer than ${NAME_MAX_LENGTH} characters` };
  const { domain, path } = splitDomain(repository);
  if (domain !== undefined) {
    const [host, port, ...extra] = domain.split(':');
    if (extra.length || !host.split('.').every((c) => DOMAIN_COMPONENT.test(c)))
      return { part: 'registry', message: 'must be a host name of letters, digits, - and . with an optional :port' };
    if (port !== undefined && !PORT.test(port)) return { part: 'registry', message: 'the port must be digits' };
  }
  for (const component of path.split('/')) {
    if (component.length === 0) return { part: 'path', message: 'has an empty component' };
    if (!PATH_COMPONENT.test(component))
      return {
        part: 'path',
        message: `component '${component.slice(0, 64)}' must be lowercase letters and digits, separated by one . or _, two _, or dashes`,
      };
  }
  return undefined;
}

/**
 * Parses a reference a client gave (`[registry[:port]/]path[:tag][@sha256:digest]`, or an image id
 * `sha256:<hex>` / id prefix when `allowId`): 400 VALIDATION_FAILED naming the wrong part otherwise.
 */
export function parseImageReference(ref: string, field = 'ref', options: { allowId?: boolean } = { allowId: true }): ImageReference {
  const error = imageRefError(ref, options);
  if (error) throw validationFailed([{ field: `${field}.${error.part}`, message: `${error.part} ${error.message}` }]);
  if (ref.startsWith('sha256:') && !ref.includes('@')) return { ref, isId: true, repository: '', path: '' };
  const parts = parseImageRef(ref);
  return { ref, isId: false, ...parts, ...splitDomain(parts.repository) };
}

/** The first component is a registry host when it has a `.` or `:` or is `localhost`, as the engine reads it. */
function splitDomain(repository: string): { domain?: string; path: string } {
  const slash = repository.indexOf('/');
  if (slash === -1) return { path: repository };
  const first = repository.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())
    return { domain: first, path: repository.slice(slash + 1) };
  return { path: repository };
}

/**
 * The new name of `docker tag`: `repo` a name without tag or digest, `tag` the engine's tag
 * grammar (default `latest`). 400 VALIDATION_FAILED naming `repo.<part>` or `tag` otherwise.
 */
/** A name an image can be tagged, built or pushed as: `[registry[:port]/]path[:tag]`, neither an id nor a digest. */
export function isTagName(ref: string): boolean {
  return !ref.includes('@') && !/^[a-f0-9]{64}(:|$)/.test(ref) && imageRefError(ref, { allowId: false }) === undefined;
}

export function parseTagTarget(repo: string, tag = 'latest'): string {
  const reference = parseImageReference(repo, 'repo', { allowId: false });
  if (reference.tag !== undefined || reference.digest !== undefined)
    throw validationFailed([{ field: 'repo', message: 'repo is a name without tag or digest: give the tag in tag' }]);
  if (!TAG.test(tag))
    throw validationFailed([{ field: 'tag', message: 'tag must be 1 to 128 of letters, digits, _ . - and not start with . or -' }]);
  return `${repo}:${tag}`;
}

/**
 * A repository name as a registry's API names it (`team/app`: the path, no registry host, tag or
 * digest). 400 VALIDATION_FAILED naming `field` and why otherwise.
 */
export function parseRepositoryPath(path: string, field = 'repo'): string {
  const fail = (message: string) => validationFailed([{ field, message: `${field} ${message}` }]);
  if (path.length === 0) throw fail('is empty');
  if (path.length > NAME_MAX_LENGTH) throw fail(`is longer than ${NAME_MAX_LENGTH} characters`);
  for (const component of path.split('/')) {
    if (component.length === 0) throw fail('has an empty component');
    if (!PATH_COMPONENT.test(component))
      throw fail(`component '${component.slice(0, 64)}' must be lowercase letters and digits, separated by one . or _, two _, or dashes`);
  }
  return path;
}

/** A tag by the engine's grammar; 400 VALIDATION_FAILED naming `field` otherwise. */
export function parseTag(tag: string, field = 'tag'): string {
  if (!TAG.test(tag))
    throw validationFailed([{ field, message: `${field} must be 1 to 128 of letters, digits, _ . - and not start with . or -` }]);
  return tag;
}
