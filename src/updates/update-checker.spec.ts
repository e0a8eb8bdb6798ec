import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import {
  DistributionClient,
  type ManifestDescriptor,
  type ManifestDetail,
  type ManifestPlatform,
  type RegistryAccess,
  type RegistryCheck,
  type RegistryPage,
} from '../registries/registry-access.js';
import type { ImageStatus, Platform } from './image-status.js';
import { anonymousAccess, registryTarget } from './registry-target.js';
import { REFRESH_MIN_AGE_MS, TAGS_KEPT, type UpdateQuery, UpdateChecker } from './update-checker.js';

const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const [OLD, NEW, OTHER, AMD64, AMD64_NEW, ARM64, ARM64_NEW, OLD_INDEX, NEW_INDEX] = 'abcdef012'.split('').map(digest);
const AMD64_HOST: Platform = { os: 'linux', architecture: 'amd64' };

const single = (d: string): ManifestDetail => ({ digest: d, mediaType: MANIFEST, sizeBytes: 500 });
const index = (d: string, entries: Array<[string, string]>): ManifestDetail => ({
  digest: d,
  mediaType: LIST,
  sizeBytes: 900,
  platforms: entries.map(([arch, entry]): ManifestPlatform => ({ os: 'linux', architecture: arch, digest: entry })),
});

/** A registry of manifests by tag and digest, every call counted; `failure` makes every call throw it. */
class FakeRegistry extends DistributionClient {
  readonly manifests = new Map<string, ManifestDetail>();
  readonly tagged = new Map<string, string>();
  failure?: unknown;
  readonly heads = vi.fn<(repository: string, reference: string) => void>();
  readonly gets = vi.fn<(repository: string, reference: string) => void>();

  /** Pushes `detail` (under `tag` when given). */
  push(detail: ManifestDetail, tag?: string): this {
    this.manifests.set(detail.digest, detail);
    if (tag) this.tagged.set(tag, detail.digest);
    return this;
  }
  async headManifest(_access: RegistryAccess, repository: string, reference: string): Promise<ManifestDescriptor> {
    this.heads(repository, reference);
    const { digest: found, mediaType, sizeBytes } = this.lookup(reference);
    return { digest: found, mediaType, sizeBytes };
  }
  async getManifest(_access: RegistryAccess, repository: string, reference: string): Promise<ManifestDetail> {
    this.gets(repository, reference);
    return this.lookup(reference);
  }
  private lookup(reference: string): ManifestDetail {
    if (this.failure) throw this.failure;
    const found = this.manifests.get(this.tagged.get(reference) ?? reference);
    if (!found) throw new ProblemException(404, 'NOT_FOUND', `manifest unknown: ${reference}`);
    return found;
  }
  check(): Promise<RegistryCheck> {
    throw new Error('not used');
  }
  catalog(): Promise<RegistryPage<string>> {
    throw new Error('not used');
  }
  tags(): Promise<RegistryPage<string>> {
    throw new Error('not used');
  }
  deleteManifest(): Promise<void> {
    throw new Error('not used');
  }
}

const target = registryTarget('127.0.0.1:5002/team/app:1.0');
const query = (localDigests: string[], more: Partial<UpdateQuery> = {}): UpdateQuery => ({
  hostId: 'local',
  target,
  access: anonymousAccess(target.host),
  localDigests,
  platform: AMD64_HOST,
  ...more,
});

function checker(registry: FakeRegistry, ttlSeconds = 300): UpdateChecker {
  return new UpdateChecker(registry, new AppConfig({ imageStatusTtlSeconds: ttlSeconds }));
}

describe('UpdateChecker: the state', () => {
  it.each<[string, (r: FakeRegistry) => void, string[], Partial<ImageStatus>]>([
    [
      'the same digest, among several local ones',
      (r) => r.push(single(NEW), '1.0'),
      [OTHER, NEW],
      { state: 'up-to-date', reason: 'same-digest', remoteDigest: NEW },
    ],
    ['a different digest', (r) => r.push(single(NEW), '1.0'), [OLD], { state: 'outdated', reason: 'digest-changed', remoteDigest: NEW }],
    [
      'an index whose entry for this platform is a local digest',
      (r) =>
        r.push(
          index(NEW_INDEX, [
            ['amd64', AMD64],
            ['arm64', ARM64],
          ]),
          '1.0',
        ),
      [AMD64],
      { state: 'up-to-date', reason: 'platform-unchanged', remoteDigest: NEW_INDEX },
    ],
    [
      'an index changed only for another architecture',
      (r) =>
        r
          .push(
            index(OLD_INDEX, [
              ['amd64', AMD64],
              ['arm64', ARM64],
            ]),
          )
          .push(
            index(NEW_INDEX, [
              ['amd64', AMD64],
              ['arm64', ARM64_NEW],
            ]),
            '1.0',
          ),
      [OLD_INDEX],
      { state: 'up-to-date', reason: 'platform-unchanged', remoteDigest: NEW_INDEX },
    ],
    [
      'an index changed for this platform',
      (r) =>
        r
          .push(
            index(OLD_INDEX, [
              ['amd64', AMD64],
              ['arm64', ARM64],
            ]),
          )
          .push(
            index(NEW_INDEX, [
              ['amd64', AMD64_NEW],
              ['arm64', ARM64],
            ]),
            '1.0',
          ),
      [OLD_INDEX],
      { state: 'outdated', reason: 'platform-changed', remoteDigest: NEW_INDEX },
    ],
    [
      'an index changed, the local one gone from the registry',
      (r) => r.push(index(NEW_INDEX, [['amd64', AMD64_NEW]]), '1.0'),
      [OLD_INDEX],
      { state: 'outdated', reason: 'platform-changed' },
    ],
    [
      'an index without this platform',
      (r) => r.push(index(NEW_INDEX, [['arm64', ARM64]]), '1.0'),
      [OLD],
      { state: 'unknown', reason: 'platform-not-in-index', remoteDigest: NEW_INDEX },
    ],
    ['a tag the registry no longer has', () => undefined, [OLD], { state: 'unknown', reason: 'tag-not-found' }],
    [
      'anonymous access refused',
      (r) => (r.failure = new ProblemException(401, 'REGISTRY_AUTH_FAILED', 'authentication required')),
      [OLD],
      { state: 'unknown', reason: 'unauthorized', detail: expect.stringMatching(/anonymous access.*\/api\/v1\/registries/) },
    ],
    [
      '429',
      (r) => (r.failure = new ProblemException(429, 'RATE_LIMITED', 'toomanyrequests', { headers: { 'Retry-After': '42' } })),
      [OLD],
      { state: 'error', reason: 'rate-limited', retryAfter: 42 },
    ],
    [
      'unreachable',
      (r) => (r.failure = new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:5002')),
      [OLD],
      { state: 'error', reason: 'unreachable', detail: expect.stringMatching(/ECONNREFUSED/) },
    ],
  ])('%s', async (_name, setUp, localDigests, expected) => {
    const registry = new FakeRegistry();
    setUp(registry);
    const status = await checker(registry).check(query(localDigests));
    expect(status).toMatchObject({ ...expected, localDigests });
    expect(new Date(status.checkedAt).getTime()).not.toBeNaN();
  });

  it('asks with HEAD only while the digests match (HEAD is not a pull)', async () => {
    const registry = new FakeRegistry().push(index(NEW_INDEX, [['amd64', AMD64]]), '1.0');
    await checker(registry).check(query([NEW_INDEX]));
    expect(registry.heads).toHaveBeenCalledWith('team/app', '1.0');
    expect(registry.gets).not.toHaveBeenCalled();
  });

  it('fetches a changed index by its digest once, however many checks compare it', async () => {
    const registry = new FakeRegistry().push(index(OLD_INDEX, [['amd64', AMD64]])).push(
      index(NEW_INDEX, [
        ['amd64', AMD64],
        ['arm64', ARM64],
      ]),
      '1.0',
    );
    const check = checker(registry, 0);
    for (let i = 0; i < 3; i++) expect((await check.check(query([OLD_INDEX]))).state).toBe('up-to-date');
    expect(registry.heads).toHaveBeenCalledTimes(3);
    expect(registry.gets.mock.calls).toEqual([
      ['team/app', NEW_INDEX],
      ['team/app', OLD_INDEX],
    ]);
  });

  it('names the record whose credentials were refused', async () => {
    const registry = new FakeRegistry();
    registry.failure = new ProblemException(401, 'REGISTRY_AUTH_FAILED', 'bad credentials');
    const access: RegistryAccess = { ...anonymousAccess(target.host), id: 'r1', name: 'team registry', username: 'u', password: 'p' };
    const status = await checker(registry).check(query([OLD], { access }));
    expect(status.detail).toMatch(/credentials of the registry record 'team registry'/);
    expect(JSON.stringify(status)).not.toContain('"p"');
  });
});

describe('UpdateChecker: cache and back-off', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-26T15:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('keeps the tag answer per host and reference for the TTL, and asks again after it', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    const check = checker(registry, 300);
    const first = await check.check(query([OLD]));
    expect(first.state).toBe('up-to-date');

    registry.push(single(NEW), '1.0');
    vi.advanceTimersByTime(299_000);
    const cached = await check.check(query([OLD]));
    expect(cached).toMatchObject({ state: 'up-to-date', checkedAt: first.checkedAt });
    // The local side is compared every time: a container on the new image is told so from the same answer.
    expect(await check.check(query([NEW]))).toMatchObject({ state: 'outdated', remoteDigest: OLD });
    expect(registry.heads).toHaveBeenCalledTimes(1);
    // Another host is another key.
    expect(await check.check(query([OLD], { hostId: 'other' }))).toMatchObject({ state: 'outdated' });
    expect(registry.heads).toHaveBeenCalledTimes(2);

    vi.advanceTimersByTime(2000);
    const fresh = await check.check(query([OLD]));
    expect(fresh).toMatchObject({ state: 'outdated', remoteDigest: NEW, checkedAt: '2026-11-26T15:05:01.000Z' });
    expect(registry.heads).toHaveBeenCalledTimes(3);
  });

  it('asks again when told to refresh (an answer older than REFRESH_MIN_AGE_MS), or with a TTL of 0', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    const check = checker(registry, 300);
    await check.check(query([OLD]));
    vi.advanceTimersByTime(REFRESH_MIN_AGE_MS);
    await check.check(query([OLD], { refresh: true }));
    expect(registry.heads).toHaveBeenCalledTimes(2);
    // A viewer polling with refresh=true gets the answer of a few seconds ago: one HEAD per REFRESH_MIN_AGE_MS at most.
    for (let i = 0; i < 20; i++) await check.check(query([OLD], { refresh: true }));
    expect(registry.heads).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(REFRESH_MIN_AGE_MS);
    await check.check(query([OLD], { refresh: true }));
    expect(registry.heads).toHaveBeenCalledTimes(3);

    const uncached = checker(registry, 0);
    await uncached.check(query([OLD]));
    await uncached.check(query([OLD]));
    expect(registry.heads).toHaveBeenCalledTimes(5);
  });

  it('shares one HEAD between concurrent checks of one reference', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    const check = checker(registry, 0);
    await Promise.all([check.check(query([OLD])), check.check(query([NEW]))]);
    expect(registry.heads).toHaveBeenCalledTimes(1);
  });

  it('a record added since is used at once (the key holds the access)', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    const check = checker(registry, 300);
    await check.check(query([OLD]));
    await check.check(query([OLD], { access: { ...anonymousAccess(target.host), id: 'r1', name: 'r' } }));
    expect(registry.heads).toHaveBeenCalledTimes(2);
  });

  it('keeps at most TAGS_KEPT answers: the oldest goes first', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    const check = checker(registry, 300);
    const at = (n: number) => query([OLD], { target: { ...target, reference: `${target.reference}#${n}` } });
    for (let n = 0; n <= TAGS_KEPT; n++) await check.check(at(n));
    expect(registry.heads).toHaveBeenCalledTimes(TAGS_KEPT + 1);
    await check.check(at(TAGS_KEPT));
    expect(registry.heads).toHaveBeenCalledTimes(TAGS_KEPT + 1);
    await check.check(at(0));
    expect(registry.heads).toHaveBeenCalledTimes(TAGS_KEPT + 2);
  });

  it('after a 429, leaves that registry alone until Retry-After, even when told to refresh', async () => {
    const registry = new FakeRegistry().push(single(OLD), '1.0');
    registry.failure = new ProblemException(429, 'RATE_LIMITED', 'toomanyrequests', { headers: { 'Retry-After': '120' } });
    const check = checker(registry, 0);
    expect(await check.check(query([OLD]))).toMatchObject({ state: 'error', reason: 'rate-limited', retryAfter: 120 });
    registry.failure = undefined;

    vi.advanceTimersByTime(60_000);
    const other = { ...query([OLD]), target: registryTarget('127.0.0.1:5002/team/other:2') };
    expect(await check.check(other)).toMatchObject({ state: 'error', reason: 'rate-limited', retryAfter: 60 });
    expect(await check.check(query([OLD], { refresh: true }))).toMatchObject({ state: 'error', retryAfter: 60 });
    expect(registry.heads).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(60_000);
    expect(await check.check(query([OLD]))).toMatchObject({ state: 'up-to-date' });
    expect(registry.heads).toHaveBeenCalledTimes(2);
  });

  it('a 429 on the index fetch starts the back-off too', async () => {
    const registry = new FakeRegistry().push(index(NEW_INDEX, [['amd64', AMD64_NEW]]), '1.0');
    vi.spyOn(registry, 'getManifest').mockImplementationOnce(async () => {
      throw new ProblemException(429, 'RATE_LIMITED', 'toomanyrequests');
    });
    const check = checker(registry, 0);
    expect(await check.check(query([OLD_INDEX]))).toMatchObject({ state: 'error', reason: 'rate-limited', retryAfter: 60 });
    expect(await check.check(query([OLD_INDEX]))).toMatchObject({ state: 'error', reason: 'rate-limited' });
    expect(registry.heads).toHaveBeenCalledTimes(1);
  });
});
