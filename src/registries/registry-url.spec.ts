import { describe, expect, it } from 'vitest';
import { defaultRegistryKind, isLoopbackHost, normaliseRegistryHost, parseRegistryUrl } from './registry-url.js';

describe('parseRegistryUrl', () => {
  it.each([
    // Docker Hub's three names are one record.
    ['docker.io', 'docker.io', 'https://registry-1.docker.io'],
    ['index.docker.io', 'docker.io', 'https://registry-1.docker.io'],
    ['registry-1.docker.io', 'docker.io', 'https://registry-1.docker.io'],
    ['https://index.docker.io/', 'docker.io', 'https://registry-1.docker.io'],
    ['http://docker.io', 'docker.io', 'https://registry-1.docker.io'],
    ['Docker.IO', 'docker.io', 'https://registry-1.docker.io'],
    // No scheme: https, except loopback hosts, which the engine reaches over http.
    ['ghcr.io', 'ghcr.io', 'https://ghcr.io'],
    ['registry.example.com:5000', 'registry.example.com:5000', 'https://registry.example.com:5000'],
    ['localhost:5001', 'localhost:5001', 'http://localhost:5001'],
    ['127.0.0.1:5001', '127.0.0.1:5001', 'http://127.0.0.1:5001'],
    ['127.1.2.3', '127.1.2.3', 'http://127.1.2.3'],
    ['[::1]:5000', '[::1]:5000', 'http://[::1]:5000'],
    // An explicit scheme is kept.
    ['https://localhost:5001', 'localhost:5001', 'https://localhost:5001'],
    ['http://registry.internal:5000', 'registry.internal:5000', 'http://registry.internal:5000'],
    ['HTTPS://Registry.Example.com', 'registry.example.com', 'https://registry.example.com'],
    ['10.0.0.5:5000', '10.0.0.5:5000', 'https://10.0.0.5:5000'],
  ])('%s → host %s, api %s', (url, host, apiUrl) => {
    expect(parseRegistryUrl(url)).toEqual({ host, apiUrl });
  });

  it.each([
    ['registry.example.com/team', /path/],
    ['https://registry.example.com/v2/', /path/],
    ['registry.example.com?x=1', /query/],
    ['registry.example.com#frag', /fragment/],
    ['https://user:pass@registry.example.com', /credentials/],
    ['user@registry.example.com', /credentials/],
    ['file:///etc/passwd', /scheme.*file/],
    ['ftp://registry.example.com', /scheme.*ftp/],
    ['javascript://x', /scheme/],
    ['', /host\[:port\]/],
    ['https://', /host\[:port\]/],
    ['registry.example.com:0', /port/],
    ['registry.example.com:70000', /port/],
    ['registry.example.com:', /host\[:port\]/],
    ['-bad.example.com', /host\[:port\]/],
    ['bad_host.example.com', /host\[:port\]/],
    ['registry example.com', /host\[:port\]/],
    ['[::g]:5000', /host\[:port\]/],
    ['[1:2]:5000', /IPv6/],
    ['registry.example.com//', /path/],
  ])('refuses %j', (url, reason) => {
    const result = parseRegistryUrl(url);
    expect(typeof result).toBe('string');
    expect(result).toMatch(reason);
  });
});

describe('normaliseRegistryHost', () => {
  it.each([
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['LOCALHOST:5001', 'localhost:5001'],
    // Different hosts to the engine stay different.
    ['localhost', 'localhost'],
    ['registry.example.com:443', 'registry.example.com:443'],
    ['docker.io:443', 'docker.io:443'],
  ])('%s → %s', (host, normalised) => {
    expect(normaliseRegistryHost(host)).toBe(normalised);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('defaultRegistryKind', () => {
  it.each([
    ['docker.io', 'dockerhub'],
    ['ghcr.io', 'ghcr'],
    ['registry.gitlab.com', 'gitlab'],
    ['127.0.0.1:5001', 'generic'],
    ['ghcr.io.evil.com', 'generic'],
  ])('%s → %s', (host, kind) => {
    expect(defaultRegistryKind(host)).toBe(kind);
  });
});
