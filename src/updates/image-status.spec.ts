import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import type { ManifestPlatform } from '../registries/registry-access.js';
import { isIndexMediaType, platformEntry, registryFailure, repositoryDigests, retryAfterMs } from './image-status.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

describe('repositoryDigests', () => {
  it.each([
    ['only the asked repository', ['127.0.0.1:5001/a/b@' + D1, '127.0.0.1:5001/a/c@' + D2], '127.0.0.1:5001/a/b:1', [D1]],
    ['Docker Hub spelled either way', ['busybox@' + D1, 'docker.io/library/busybox@' + D2], 'docker.io/library/busybox:latest', [D1, D2]],
    ['another registry is another repository', ['ghcr.io/library/busybox@' + D1], 'busybox', []],
    ['no digests (built locally)', [], 'app:1', []],
    ['null RepoDigests', null, 'app:1', []],
    ['each digest once', ['a/b@' + D3, 'docker.io/a/b@' + D3], 'a/b', [D3]],
  ])('%s', (_name, repoDigests, ref, expected) => {
    expect(repositoryDigests(repoDigests, ref)).toEqual(expected);
  });
});

describe('platformEntry', () => {
  const entries: ManifestPlatform[] = [
    { os: 'linux', architecture: 'amd64', digest: 'amd64' },
    { os: 'linux', architecture: 'arm', variant: 'v6', digest: 'armv6' },
    { os: 'linux', architecture: 'arm', variant: 'v7', digest: 'armv7' },
    { os: 'linux', architecture: 'arm64', variant: 'v8', digest: 'arm64' },
    { os: 'unknown', architecture: 'unknown', digest: 'attestation' },
    { os: 'windows', architecture: 'amd64', digest: 'windows' },
  ];
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, 'amd64'],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }, 'windows'],
    ['linux/arm/v7 (the variant decides)', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'armv7'],
    ['linux/arm64 without a variant = v8', { os: 'linux', architecture: 'arm64' }, 'arm64'],
    ['linux/arm without a variant: the first arm', { os: 'linux', architecture: 'arm' }, 'armv6'],
    ['linux/s390x: none', { os: 'linux', architecture: 's390x' }, undefined],
  ])('%s', (_name, platform, digest) => {
    expect(platformEntry(entries, platform)?.digest).toBe(digest);
  });

  it('finds nothing in a manifest that is not an index', () => {
    expect(platformEntry(undefined, { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });
});

describe('isIndexMediaType', () => {
  it.each([
    ['application/vnd.docker.distribution.manifest.list.v2+json', true],
    ['application/vnd.oci.image.index.v1+json', true],
    ['application/vnd.oci.image.index.v1+json; charset=utf-8', true],
    ['application/vnd.docker.distribution.manifest.v2+json', false],
    ['application/vnd.oci.image.manifest.v1+json', false],
  ])('%s: %s', (mediaType, index) => {
    expect(isIndexMediaType(mediaType)).toBe(index);
  });
});

describe('registryFailure', () => {
  const now = Date.parse('2026-11-26T15:00:00Z');
  it.each<[string, unknown, Record<string, unknown>]>([
    ['401', new ProblemException(401, 'REGISTRY_AUTH_FAILED', 'no'), { state: 'unknown', reason: 'unauthorized' }],
    ['403', new ProblemException(403, 'FORBIDDEN', 'no'), { state: 'unknown', reason: 'forbidden' }],
    ['404', new ProblemException(404, 'NOT_FOUND', 'no such tag'), { state: 'unknown', reason: 'tag-not-found' }],
    [
      '429 with seconds',
      new ProblemException(429, 'RATE_LIMITED', 'slow down', { headers: { 'Retry-After': '30' } }),
      { state: 'error', reason: 'rate-limited', retryAfterMs: 30_000 },
    ],
    [
      '429 with a date',
      new ProblemException(429, 'RATE_LIMITED', 'slow down', { headers: { 'retry-after': 'Thu, 26 Nov 2026 15:02:00 GMT' } }),
      { state: 'error', reason: 'rate-limited', retryAfterMs: 120_000 },
    ],
    [
      '429 with retryAfter in the body',
      new ProblemException(429, 'RATE_LIMITED', 'slow down', { extensions: { retryAfter: 5 } }),
      { state: 'error', reason: 'rate-limited', retryAfterMs: 5000 },
    ],
    ['429 saying nothing: a minute', new ProblemException(429, 'RATE_LIMITED', 'slow down'), { state: 'error', retryAfterMs: 60_000 }],
    ['504', new ProblemException(504, 'BAD_GATEWAY', 'timed out'), { state: 'error', reason: 'unreachable' }],
    // The v2 client answers 502 for every registry failure, its code telling which.
    ...(
      [
        ['REGISTRY_AUTH_FAILED', 'unknown', 'unauthorized'],
        ['REGISTRY_FORBIDDEN', 'unknown', 'forbidden'],
        ['REGISTRY_UNREACHABLE', 'error', 'unreachable'],
        ['REGISTRY_TLS_FAILED', 'error', 'tls'],
        ['REGISTRY_ERROR', 'error', 'registry-error'],
        ['NOT_A_REGISTRY', 'error', 'registry-error'],
      ] as const
    ).map(([code, state, reason]): [string, unknown, Record<string, unknown>] => [
      `502 ${code}`,
      new ProblemException(502, code as never, 'x'),
      { state, reason },
    ]),
    [
      '502 REGISTRY_RATE_LIMITED',
      new ProblemException(502, 'REGISTRY_RATE_LIMITED' as never, 'x', { headers: { 'Retry-After': '7' } }),
      { state: 'error', reason: 'rate-limited', retryAfterMs: 7000 },
    ],
    [
      '404 REGISTRY_MANIFEST_NOT_FOUND',
      new ProblemException(404, 'REGISTRY_MANIFEST_NOT_FOUND' as never, 'x'),
      { state: 'unknown', reason: 'tag-not-found' },
    ],
    ['502', new ProblemException(502, 'BAD_GATEWAY', 'the registry answered 500'), { state: 'error', reason: 'registry-error' }],
    [
      'a transport error',
      new TypeError('fetch failed'),
      { state: 'error', reason: 'unreachable', detail: expect.stringMatching(/fetch failed/) },
    ],
  ])('%s', (_name, error, expected) => {
    expect(registryFailure(error, now)).toMatchObject(expected);
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(retryAfterMs(new ProblemException(429, 'RATE_LIMITED', 'x', { headers: { 'Retry-After': 'soon' } }))).toBeUndefined();
  });
});
