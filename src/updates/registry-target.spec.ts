import { describe, expect, it } from 'vitest';
import { anonymousAccess, canonicalRepository, registryTarget } from './registry-target.js';

describe('registryTarget', () => {
  it.each([
    ['busybox', { reference: 'docker.io/library/busybox:latest', host: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['nginx:1.27', { reference: 'docker.io/library/nginx:1.27', host: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['team/app:2', { reference: 'docker.io/team/app:2', host: 'docker.io', repository: 'team/app', tag: '2' }],
    ['index.docker.io/team/app', { reference: 'docker.io/team/app:latest', host: 'docker.io', repository: 'team/app', tag: 'latest' }],
    [
      '127.0.0.1:5001/team/app:1.0',
      { reference: '127.0.0.1:5001/team/app:1.0', host: '127.0.0.1:5001', repository: 'team/app', tag: '1.0' },
    ],
    ['ghcr.io/org/tool:v1', { reference: 'ghcr.io/org/tool:v1', host: 'ghcr.io', repository: 'org/tool', tag: 'v1' }],
    ['localhost/app', { reference: 'localhost/app:latest', host: 'localhost', repository: 'app', tag: 'latest' }],
  ])('%s', (ref, expected) => {
    expect(registryTarget(ref)).toEqual(expected);
  });
});

describe('canonicalRepository', () => {
  it.each([
    ['busybox@sha256:abc', 'docker.io/library/busybox'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox'],
    ['127.0.0.1:5002/x/y@sha256:abc', '127.0.0.1:5002/x/y'],
  ])('%s → %s', (ref, expected) => {
    expect(canonicalRepository(ref)).toBe(expected);
  });
});

describe('anonymousAccess', () => {
  it.each([
    ['docker.io', 'https://registry-1.docker.io', 'docker.io'],
    ['index.docker.io', 'https://registry-1.docker.io', 'docker.io'],
    ['127.0.0.1:5002', 'http://127.0.0.1:5002', '127.0.0.1:5002'],
    ['localhost:5000', 'http://localhost:5000', 'localhost:5000'],
    ['ghcr.io', 'https://ghcr.io', 'ghcr.io'],
    // Not loopback however it starts: only the whole host name counts.
    ['127.0.0.1.example.com:5000', 'https://127.0.0.1.example.com:5000', '127.0.0.1.example.com:5000'],
    ['localhost.example.com', 'https://localhost.example.com', 'localhost.example.com'],
  ])('%s → %s', (host, apiUrl, named) => {
    const access = anonymousAccess(host);
    expect(access).toMatchObject({ apiUrl, host: named });
    expect(access.id).toBeUndefined();
    expect(access.username ?? access.password ?? access.identityToken).toBeUndefined();
  });
});
