import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './www-authenticate.js';

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
