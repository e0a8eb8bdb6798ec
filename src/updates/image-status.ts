import { ProblemException } from '../common/problem.js';
import type { ManifestPlatform } from '../registries/registry-access.js';
import { canonicalRepository } from './registry-target.js';

export const IMAGE_STATUS_STATES = ['up-to-date', 'outdated', 'unknown', 'error', 'skipped'] as const;
export type ImageStatusState = (typeof IMAGE_STATUS_STATES)[number];

/** Why a state was reached, stable for clients; `detail` says it in words. */
export const IMAGE_STATUS_REASONS = [
  // up-to-date / outdated
  'same-digest',
  'platform-unchanged',
  'digest-changed',
  'platform-changed',
  // skipped
  'locally-built',
  'pinned-by-digest',
  'image-id',
  // unknown
  'unauthorized',
  'forbidden',
  'tag-not-found',
  'platform-not-in-index',
  // error
  'rate-limited',
  'unreachable',
  'tls',
  'registry-error',
  'secret-unreadable',
] as const;
export type ImageStatusReason = (typeof IMAGE_STATUS_REASONS)[number];

/** The platform an engine pulls for: an index's entry for it is what the host would get. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An update check's answer (without the image it is about, which the caller adds). */
export interface ImageStatus {
  state: ImageStatusState;
  reason: ImageStatusReason;
  detail: string;
  /** Every RepoDigest the local image has for the reference's repository. */
  localDigests: string[];
  /** What the registry's tag points to now (an index's digest when it is one). */
  remoteDigest?: string;
  /** When the registry was asked (a cached answer keeps its time); now for a skipped image. */
  checkedAt: string;
  /** Seconds until the registry may be asked again, after it answered 429. */
  retryAfter?: number;
}

const INDEX_MEDIA_TYPES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']);

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.has(mediaType.split(';')[0].trim());
}

/** The digests among `repoDigests` (`repo@sha256:…`) that belong to `repository`, spelled either way (`busybox` = `docker.io/library/busybox`). */
export function repositoryDigests(repoDigests: readonly string[] | null | undefined, repository: string): string[] {
  const wanted = canonicalRepository(repository);
  const digests = (repoDigests ?? [])
    .filter((entry) => entry.includes('@') && canonicalRepository(entry) === wanted)
    .map((entry) => entry.slice(entry.indexOf('@') + 1));
  return [...new Set(digests)];
}

/** arm64's only variant is v8, often left out of an index: both spellings are one platform. */
function variantOf(architecture: string, variant: string | undefined): string | undefined {
  return architecture === 'arm64' && variant === 'v8' ? undefined : variant || undefined;
}

/** The index entry the engine would pull for `platform`: os and architecture equal, the same variant first, else the first of those. */
export function platformEntry(platforms: readonly ManifestPlatform[] | undefined, platform: Platform): ManifestPlatform | undefined {
  const candidates = (platforms ?? []).filter((p) => p.os === platform.os && p.architecture === platform.architecture);
  const wanted = variantOf(platform.architecture, platform.variant);
  return candidates.find((p) => variantOf(p.architecture, p.variant) === wanted) ?? candidates[0];
}

export function platformName({ os, architecture, variant }: Platform): string {
  return [os, architecture, variant].filter(Boolean).join('/');
}

/** A failed registry call as a state: credentials and missing tags are `unknown`, the rest `error`. */
export interface RegistryFailure {
  state: 'unknown' | 'error';
  reason: ImageStatusReason;
  detail: string;
  /** For 429: how long to leave the registry alone. */
  retryAfterMs?: number;
}

/** When the registry says nothing, a 429 still keeps Berth away this long. */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 60_000;

/** The v2 client's codes (src/registries/distribution/), read as update-check states; other errors go by their status. */
const REASON_BY_CODE: Record<string, ImageStatusReason> = {
  REGISTRY_RATE_LIMITED: 'rate-limited',
  REGISTRY_AUTH_FAILED: 'unauthorized',
  REGISTRY_FORBIDDEN: 'forbidden',
  REGISTRY_MANIFEST_NOT_FOUND: 'tag-not-found',
  REGISTRY_REPOSITORY_NOT_FOUND: 'tag-not-found',
  REGISTRY_UNREACHABLE: 'unreachable',
  REGISTRY_TLS_FAILED: 'tls',
};
const REASON_BY_STATUS: Record<number, ImageStatusReason> = {
  429: 'rate-limited',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'tag-not-found',
  504: 'unreachable',
};
/** The registry would not tell (credentials, a missing tag): `unknown`; the rest is trouble on the way: `error`. */
const UNKNOWN_REASONS = new Set<ImageStatusReason>(['unauthorized', 'forbidden', 'tag-not-found']);

export function registryFailure(error: unknown, nowMs = Date.now()): RegistryFailure {
  if (!(error instanceof ProblemException)) {
    const message = error instanceof Error ? error.message : String(error);
    return { state: 'error', reason: 'unreachable', detail: `The registry could not be reached: ${message}` };
  }
  const reason = REASON_BY_CODE[error.code] ?? REASON_BY_STATUS[error.getStatus()] ?? 'registry-error';
  const failure: RegistryFailure = { state: UNKNOWN_REASONS.has(reason) ? 'unknown' : 'error', reason, detail: error.detail };
  if (reason === 'rate-limited') failure.retryAfterMs = retryAfterMs(error, nowMs) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS;
  return failure;
}

/** `Retry-After` (seconds or an HTTP date) as the registry sent it, from the problem's header or its `retryAfter` member. */
export function retryAfterMs(error: ProblemException, nowMs = Date.now()): number | undefined {
  const headers = Object.fromEntries(Object.entries(error.problem.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const raw = headers['retry-after'] ?? error.problem.extensions?.retryAfter;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw * 1000;
  if (typeof raw !== 'string') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
