import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DistributionClient } from '../registries/registry-access.js';
import type { ManifestDetail, RegistryAccess } from '../registries/registry-access.js';
import {
  type ImageStatus,
  type Platform,
  type RegistryFailure,
  isIndexMediaType,
  platformEntry,
  platformName,
  registryFailure,
} from './image-status.js';
import type { RegistryTarget } from './registry-target.js';

/** What is compared: an image's local digests for a tag's repository, against the registry's tag. */
export interface UpdateQuery {
  hostId: string;
  target: RegistryTarget;
  /** A stored record (with `id`) or the anonymous access built from the host. */
  access: RegistryAccess;
  localDigests: string[];
  platform: Platform;
  /** Ask the registry even when a cached answer is still fresh. */
  refresh?: boolean;
}

type TagAnswer = { digest: string; mediaType: string; checkedAtMs: number } | { failure: RegistryFailure; checkedAtMs: number };

/** Manifests fetched by digest are immutable; this many are kept (old local indexes, current remote ones). */
const MANIFESTS_KEPT = 256;
/** Tag answers kept at most (hosts × references × records); past it the expired go, then the oldest. */
export const TAGS_KEPT = 4096;
/**
 * A kept answer younger than this is given even to `refresh=true`: a viewer polling with it would otherwise make Berth
 * send the registry a HEAD per request, until the registry's rate limit (Docker Hub's 429) held back everyone's checks.
 */
export const REFRESH_MIN_AGE_MS = 5_000;

/**
 * The update check against the registry: a HEAD of the tag (it does not count against Docker Hub's pull limit), its
 * answer kept per host and reference for BERTH_IMAGE_STATUS_TTL_SECONDS (failures too, so an unreachable registry
 * does not slow every dashboard poll); an index is fetched (GET, by digest, kept) only when its digest differs from
 * every local one, to compare the host platform's entry. A 429 keeps Berth away from that registry until its Retry-After.
 */
@Injectable()
export class UpdateChecker {
  private readonly tags = new Map<string, { answer: TagAnswer; expiresAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<TagAnswer>>();
  private readonly manifests = new Map<string, Promise<ManifestDetail>>();
  private readonly backoffUntilMs = new Map<string, number>();

  constructor(
    private readonly client: DistributionClient,
    private readonly config: AppConfig,
  ) {}

  async check(query: UpdateQuery): Promise<ImageStatus> {
    const { localDigests } = query;
    const tag = await this.tagAnswer(query);
    const checkedAt = new Date(tag.checkedAtMs).toISOString();
    if ('failure' in tag) return this.failed(query, tag.failure, checkedAt);

    const remoteDigest = tag.digest;
    const answer = (state: ImageStatus['state'], reason: ImageStatus['reason'], detail: string): ImageStatus => ({
      state,
      reason,
      detail,
      localDigests,
      remoteDigest,
      checkedAt,
    });
    const ref = query.target.reference;
    if (localDigests.includes(remoteDigest)) return answer('up-to-date', 'same-digest', `${ref} still points to ${remoteDigest}.`);
    if (!isIndexMediaType(tag.mediaType))
      return answer('outdated', 'digest-changed', `${ref} now points to ${remoteDigest}, which the local image is not.`);

    // An index whose digest differs may have changed only for other platforms: compare this host's entry.
    const platform = platformName(query.platform);
    try {
      const index = await this.manifest(query, remoteDigest);
      const entry = platformEntry(index.platforms, query.platform);
      if (!entry) return answer('unknown', 'platform-not-in-index', `${ref} (${remoteDigest}) has no image for ${platform}.`);
      const unchanged = `${ref} changed (${remoteDigest}), but not for ${platform} (${entry.digest}).`;
      if (localDigests.includes(entry.digest)) return answer('up-to-date', 'platform-unchanged', unchanged);
      for (const local of localDigests) {
        const localIndex = await this.manifest(query, local).catch((error: unknown) => {
          // A local index the registry no longer has cannot be compared: only the others can tell.
          if (registryFailure(error).reason === 'tag-not-found') return undefined;
          throw error;
        });
        if (localIndex && platformEntry(localIndex.platforms, query.platform)?.digest === entry.digest)
          return answer('up-to-date', 'platform-unchanged', unchanged);
      }
      return answer('outdated', 'platform-changed', `${ref} now has ${entry.digest} for ${platform}, which the local image is not.`);
    } catch (error) {
      return this.failed(query, this.noteFailure(query.access, error), checkedAt);
    }
  }

  /** The tag's HEAD, cached per host and reference (and access, so a record added later is used at once). */
  private tagAnswer(query: UpdateQuery): Promise<TagAnswer> {
    const key = [query.hostId, query.access.id ?? 'anonymous', query.target.reference].join('\n');
    const now = Date.now();
    const cached = this.tags.get(key);
    // A refresh asks again, unless the answer kept is younger than REFRESH_MIN_AGE_MS.
    if (cached && cached.expiresAtMs > now && (!query.refresh || now - cached.answer.checkedAtMs < REFRESH_MIN_AGE_MS)) {
      return Promise.resolve(cached.answer);
    }
    const backoff = this.backoffLeftMs(query.access, now);
    if (backoff !== undefined) return Promise.resolve({ failure: rateLimited(backoff).failure, checkedAtMs: now });
    const running = this.inFlight.get(key);
    if (running) return running;
    const lookup = this.headTag(query)
      .then((answer) => {
        const ttlMs = this.config.imageStatusTtlSeconds * 1000;
        // A 429 is remembered per registry (backoffUntilMs), not as this tag's answer.
        if (ttlMs > 0 && !('failure' in answer && answer.failure.reason === 'rate-limited')) {
          this.tags.delete(key);
          if (this.tags.size >= TAGS_KEPT) this.forgetTags();
          this.tags.set(key, { answer, expiresAtMs: answer.checkedAtMs + ttlMs });
        }
        return answer;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** Drops expired answers, and the oldest while still at the bound (a Map iterates in insertion order). */
  private forgetTags(): void {
    const now = Date.now();
    for (const [key, { expiresAtMs }] of this.tags) if (expiresAtMs <= now) this.tags.delete(key);
    for (const key of this.tags.keys()) {
      if (this.tags.size < TAGS_KEPT) break;
      this.tags.delete(key);
    }
  }

  private async headTag({ access, target }: UpdateQuery): Promise<TagAnswer> {
    try {
      const head = await this.client.headManifest(access, target.repository, target.tag);
      return { digest: head.digest, mediaType: head.mediaType, checkedAtMs: Date.now() };
    } catch (error) {
      return { failure: this.noteFailure(access, error), checkedAtMs: Date.now() };
    }
  }

  /** A manifest by digest (content-addressed, so kept); a failed fetch is not. */
  private manifest({ access, target }: UpdateQuery, digest: string): Promise<ManifestDetail> {
    const backoff = this.backoffLeftMs(access, Date.now());
    const key = [access.apiUrl, target.repository, digest].join('\n');
    const known = this.manifests.get(key);
    if (known) return known;
    if (backoff !== undefined) return Promise.reject(rateLimited(backoff));
    if (this.manifests.size >= MANIFESTS_KEPT) this.manifests.delete(this.manifests.keys().next().value!);
    const fetched = this.client.getManifest(access, target.repository, digest);
    this.manifests.set(key, fetched);
    fetched.catch(() => this.manifests.delete(key));
    return fetched;
  }

  /** Classifies a registry error; a 429 starts the back-off for that registry. */
  private noteFailure(access: RegistryAccess, error: unknown): RegistryFailure {
    if (error instanceof RateLimitedLocally) return error.failure;
    const failure = registryFailure(error);
    if (failure.retryAfterMs !== undefined) {
      const until = Date.now() + failure.retryAfterMs;
      this.backoffUntilMs.set(access.apiUrl, Math.max(until, this.backoffUntilMs.get(access.apiUrl) ?? 0));
    }
    return failure;
  }

  private backoffLeftMs(access: RegistryAccess, now: number): number | undefined {
    const until = this.backoffUntilMs.get(access.apiUrl);
    if (until === undefined) return undefined;
    if (until > now) return until - now;
    this.backoffUntilMs.delete(access.apiUrl);
    return undefined;
  }

  private failed(query: UpdateQuery, failure: RegistryFailure, checkedAt: string): ImageStatus {
    const { access, target } = query;
    let detail = failure.detail;
    if (failure.reason === 'unauthorized' || failure.reason === 'forbidden')
      detail = access.id
        ? `${target.host} refused the credentials of the registry record '${access.name}': ${detail}`
        : `${target.host} refused anonymous access (${detail}); add a registry record for ${target.host} under /api/v1/registries.`;
    return {
      state: failure.state,
      reason: failure.reason,
      detail,
      localDigests: query.localDigests,
      checkedAt,
      ...(failure.retryAfterMs !== undefined && { retryAfter: Math.max(1, Math.ceil(failure.retryAfterMs / 1000)) }),
    };
  }
}

/** The back-off answered without asking the registry. */
class RateLimitedLocally extends Error {
  constructor(readonly failure: RegistryFailure) {
    super(failure.detail);
  }
}

function rateLimited(retryAfterMs: number): RateLimitedLocally {
  return new RateLimitedLocally({
    state: 'error',
    reason: 'rate-limited',
    detail: 'The registry limited requests (429); Berth waits before asking again.',
    retryAfterMs,
  });
}
