import { describe, expect, it } from 'vitest';
import { canonicalImageRef, parseImageRef, registryHost, withDefaultTag } from './image-ref.js';

describe('image references', () => {
  it.each([
    ['busybox', { repository: 'busybox' }],
    ['busybox:1.36', { repository: 'busybox', tag: '1.36' }],
    ['localhost:5001/team/app', { repository: 'localhost:5001/team/app' }],
    ['localhost:5001/team/app:1.0', { repository: 'localhost:5001/team/app', tag: '1.0' }],
    ['app@sha256:abc', { repository: 'app', digest: 'sha256:abc' }],
    ['app:1@sha256:abc', { repository: 'app', tag: '1', digest: 'sha256:abc' }],
  ])('parses %s', (ref, parts) => {
    expect(parseImageRef(ref)).toEqual({ digest: undefined, ...parts });
  });

  it('adds :latest only where there is neither tag nor digest', () => {
    expect(withDefaultTag('busybox')).toBe('busybox:latest');
    expect(withDefaultTag('localhost:5001/app')).toBe('localhost:5001/app:latest');
    expect(withDefaultTag('localhost:5001/app:2')).toBe('localhost:5001/app:2');
    expect(withDefaultTag('app@sha256:abc')).toBe('app@sha256:abc');
    expect(withDefaultTag('sha256:0123')).toBe('sha256:0123');
  });

  it('finds the registry host', () => {
    expect(registryHost('busybox')).toBe('docker.io');
    expect(registryHost('library/busybox:1')).toBe('docker.io');
    expect(registryHost('localhost:5001/team/app:1')).toBe('localhost:5001');
    expect(registryHost('ghcr.io/org/app')).toBe('ghcr.io');
    expect(registryHost('localhost/app')).toBe('localhost');
  });

  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:latest', 'docker.io/library/busybox:latest'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['team/app:2', 'docker.io/team/app:2'],
    ['localhost:5001/team/app', 'localhost:5001/team/app:latest'],
    ['localhost/app:1', 'localhost/app:1'],
    ['app@sha256:abc', 'docker.io/library/app@sha256:abc'],
    ['app:1@sha256:abc', 'docker.io/library/app:1@sha256:abc'],
    ['sha256:0123', 'sha256:0123'],
  ])('spells %s canonically as %s', (ref, canonical) => {
    expect(canonicalImageRef(ref)).toBe(canonical);
  });
});
