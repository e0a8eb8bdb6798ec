import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, realmMayReceiveCredentials } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    ['absent', undefined, []],
    ['empty', '', []],
    ['Basic with a realm', 'Basic realm="berth-test"', [{ scheme: 'basic', params: { realm: 'berth-test' } }]],
    [
      'Docker Hub Bearer',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
        },
      ],
    ],
    [
      'a quoted value holding commas (several scope actions)',
      'Bearer realm="https://a.example/token",scope="repository:team/app:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://a.example/token', scope: 'repository:team/app:pull,push' } }],
    ],
    ['escaped quotes', 'Basic realm="say \\"hi\\", now"', [{ scheme: 'basic', params: { realm: 'say "hi", now' } }]],
    ['service missing', 'Bearer realm="https://ghcr.io/token"', [{ scheme: 'bearer', params: { realm: 'https://ghcr.io/token' } }]],
    [
      'token values and spaces',
      'bearer  Realm = https://x/t , Service=reg',
      [{ scheme: 'bearer', params: { realm: 'https://x/t', service: 'reg' } }],
    ],
    [
      'several challenges',
      'Basic realm="a", Bearer realm="https://x/token",service="s"',
      [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://x/token', service: 's' } },
      ],
    ],
    [
      'a scheme without parameters then another',
      'Negotiate, Basic realm="r"',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    ],
    ['token68', 'Negotiate abc123==', [{ scheme: 'negotiate', params: { token68: 'abc123==' } }]],
    [
      'the error of a refused token',
      'Bearer realm="https://x/t",service="s",scope="registry:catalog:*",error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'https://x/t', service: 's', scope: 'registry:catalog:*', error: 'insufficient_scope' } }],
    ],
    [
      'an unterminated quote keeps what came before',
      'Bearer service="s", realm="https://x',
      [{ scheme: 'bearer', params: { service: 's' } }],
    ],
  ])('%s', (_name, header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

describe('realmMayReceiveCredentials', () => {
  it.each([
    ['the registry host on another port', 'http://127.0.0.1:5004/token', 'http://127.0.0.1:5003', true],
    ['Docker Hub: a sibling under docker.io', 'https://auth.docker.io/token', 'https://registry-1.docker.io', true],
    ['GitLab: the parent domain', 'https://gitlab.com/jwt/auth', 'https://registry.gitlab.com', true],
    ['GHCR: its own host', 'https://ghcr.io/token', 'https://ghcr.io', true],
    ['another host name for a loopback registry', 'http://localhost:5004/token', 'http://127.0.0.1:5003', false],
    ['a metadata address', 'http://169.254.169.254/token', 'http://127.0.0.1:5003', false],
    ['an attacker domain', 'https://evil.example/token', 'https://registry-1.docker.io', false],
    ['a look-alike suffix', 'https://evildocker.io/token', 'https://registry-1.docker.io', false],
    ['a sibling under a public suffix only', 'https://evil.io/token', 'https://ghcr.io', false],
    ['in clear for an https registry', 'http://auth.docker.io/token', 'https://registry-1.docker.io', false],
    ['an IPv6 loopback registry and another host', 'http://127.0.0.1/token', 'http://[::1]:5000', false],
  ])('%s', (_name, realm, registry, expected) => {
    expect(realmMayReceiveCredentials(new URL(realm), new URL(registry))).toBe(expected);
  });
});
