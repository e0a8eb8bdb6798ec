import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProblemException } from '../../common/problem.js';
import type { RegistryAccess } from '../registry-access.js';
import { HttpDistributionClient, MANIFEST_MEDIA_TYPES } from './distribution-client.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const servers: Server[] = [];

/** A throwaway HTTP server on 127.0.0.1 that records what it was sent. */
async function serve(handler: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const access = (apiUrl: string, extra: Partial<RegistryAccess> = {}): RegistryAccess => ({
  name: 'r',
  kind: 'generic',
  host: new URL(apiUrl).host,
  apiUrl,
  ...extra,
});
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
  response.end(JSON.stringify(body));
};

describe('HttpDistributionClient', () => {
  const client = new HttpDistributionClient();

  it('answers a Basic challenge with the credentials, and a wrong password is unauthorized', async () => {
    const registry = await serve((request, response) => {
      if (request.headers.authorization === basic('u', 'right')) return json(response, 200, {});
      json(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'echo u:wrong' }] }, { 'www-authenticate': 'Basic realm="r"' });
    });
    expect(await client.check(access(registry.url, { username: 'u', password: 'right' }))).toMatchObject({ ok: true });
    const refused = await client.check(access(registry.url, { username: 'u', password: 'wrong' }));
    expect(refused).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(refused.detail).not.toContain('wrong');
  });

  it('gets a Bearer token with Basic credentials for the scope, and reuses it', async () => {
    const realm = await serve((request, response) => {
      const url = new URL(request.url!, 'http://x');
      if (request.headers.authorization !== basic('u', 'p')) return json(response, 401, {});
      json(response, 200, { token: `t:${url.searchParams.get('scope')}:${url.searchParams.get('service')}` });
    });
    const registry = await serve((request, response) => {
      const scope = 'repository:team/app:pull';
      if (request.headers.authorization === `Bearer t:${scope}:svc`) return json(response, 200, { name: 'team/app', tags: ['1.0'] });
      json(response, 401, {}, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="svc",scope="${scope}"` });
    });
    const creds = access(registry.url, { username: 'u', password: 'p' });
    expect(await client.tags(creds, 'team/app', { n: 10 })).toEqual({ items: ['1.0'] });
    expect(await client.tags(creds, 'team/app', { n: 10 })).toEqual({ items: ['1.0'] });
    expect(realm.seen).toHaveLength(1);
    expect(registry.seen).toHaveLength(3);
  });

  it('trades an identity token for an access token with the OAuth2 refresh_token grant', async () => {
    const forms: URLSearchParams[] = [];
    const realm = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        forms.push(new URLSearchParams(body));
        json(response, request.method === 'POST' ? 200 : 405, { access_token: 'from-refresh', expires_in: 120 });
      });
    });
    const registry = await serve((request, response) => {
      if (request.headers.authorization === 'Bearer from-refresh') return json(response, 200, {});
      json(response, 401, {}, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="svc"` });
    });
    expect(await client.check(access(registry.url, { identityToken: 'id-token' }))).toMatchObject({ ok: true });
    expect(Object.fromEntries(forms[0])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'id-token',
      client_id: 'berth',
      service: 'svc',
    });
  });

  it('does not re-post the identity-token form to another origin a token service redirects to', async () => {
    const elsewhere = await serve((_request, response) => json(response, 200, { access_token: 'stolen' }));
    const realm = await serve((_request, response) =>
      response.writeHead(307, { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/t` }).end(),
    );
    const registry = await serve((_request, response) =>
      json(response, 401, {}, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="svc"` }),
    );
    expect(await client.check(access(registry.url, { identityToken: 'id-token' }))).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(realm.seen).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('does not answer a challenge from where the registry redirected: its realm gets no credentials', async () => {
    const realm = await serve((_request, response) => json(response, 200, { token: 't' }));
    const storage = await serve((_request, response) =>
      json(response, 401, {}, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="svc"` }),
    );
    const registry = await serve((_request, response) => response.writeHead(302, { location: `${storage.url}/v2/` }).end());
    const check = await client.check(access(registry.url, { username: 'u', password: 'p' }));
    expect(check).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(check.detail).toContain(storage.url);
    expect(realm.seen).toHaveLength(0);
  });

  it('tells a scope the token service did not grant as forbidden', async () => {
    const realm = await serve((_request, response) => json(response, 200, { access_token: 'narrow', expires_in: 300 }));
    const registry = await serve((_request, response) =>
      json(
        response,
        401,
        { errors: [{ code: 'DENIED' }] },
        {
          'www-authenticate': `Bearer realm="${realm.url}/token",service="svc",scope="repository:other:pull",error="insufficient_scope"`,
        },
      ),
    );
    const error = await client.tags(access(registry.url), 'other', { n: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).code).toBe('REGISTRY_FORBIDDEN');
    expect((error as ProblemException).detail).toContain('repository:other:pull');
  });

  it('follows a redirect to another host without the Authorization header', async () => {
    const storage = await serve((_request, response) => json(response, 200, { created: '2026-01-01T00:00:00Z' }));
    const manifest = { mediaType: MANIFEST_MEDIA_TYPES[0], config: { digest: 'sha256:c', size: 10 }, layers: [{ size: 32 }] };
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== basic('u', 'p')) return json(response, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      if (request.url!.includes('/blobs/')) {
        response.writeHead(307, { location: `${storage.url.replace('127.0.0.1', 'localhost')}/blob` });
        return response.end();
      }
      expect(request.headers.accept).toBe(MANIFEST_MEDIA_TYPES.join(', '));
      json(response, 200, manifest, { 'content-type': MANIFEST_MEDIA_TYPES[0], 'docker-content-digest': 'sha256:m' });
    });
    const detail = await client.getManifest(access(registry.url, { username: 'u', password: 'p' }), 'app', '1.0');
    expect(detail).toMatchObject({
      digest: 'sha256:m',
      mediaType: MANIFEST_MEDIA_TYPES[0],
      created: '2026-01-01T00:00:00Z',
      contentSizeBytes: 42,
    });
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0].headers.authorization).toBeUndefined();
  });

  it('reads the platforms of an index', async () => {
    const index = {
      mediaType: MANIFEST_MEDIA_TYPES[3],
      manifests: [
        { digest: 'sha256:a', platform: { os: 'linux', architecture: 'amd64' } },
        { digest: 'sha256:b', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { digest: 'sha256:att', annotations: {} },
      ],
    };
    const registry = await serve((_request, response) => json(response, 200, index, { 'content-type': MANIFEST_MEDIA_TYPES[3] }));
    const detail = await client.getManifest(access(registry.url), 'app', 'latest');
    expect(detail.platforms).toEqual([
      { os: 'linux', architecture: 'amd64', digest: 'sha256:a' },
      { os: 'linux', architecture: 'arm', variant: 'v7', digest: 'sha256:b' },
    ]);
    expect(detail.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('pages the catalog by the Link header, and a registry with deletes off is 409', async () => {
    const registry = await serve((request, response) => {
      if (request.method === 'DELETE') return json(response, 405, { errors: [{ code: 'UNSUPPORTED' }] });
      json(response, 200, { repositories: ['a', 'b/c'] }, { link: '</v2/_catalog?last=b%2Fc&n=2>; rel="next"' });
    });
    expect(await client.catalog(access(registry.url), { n: 2 })).toEqual({ items: ['a', 'b/c'], next: 'b/c' });
    const error = await client.deleteManifest(access(registry.url), 'a', `sha256:${'0'.repeat(64)}`).catch((e: unknown) => e);
    expect((error as ProblemException).code).toBe('REGISTRY_DELETE_DISABLED');
  });

  it.each([
    ['a web server', (_q: IncomingMessage, r: ServerResponse) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>')],
    ['a 404', (_q: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()],
    ['a 401 without a challenge', (_q: IncomingMessage, r: ServerResponse) => r.writeHead(401).end()],
  ])('%s is not a registry', async (_name, handler) => {
    const server = await serve(handler);
    expect(await client.check(access(server.url))).toMatchObject({ ok: false, reason: 'not-a-registry' });
  });

  it('a certificate no CA vouches for is a tls failure that names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-keyout',
          join(dir, 'k'),
          '-out',
          join(dir, 'c'),
        ],
        {
          stdio: 'ignore',
        },
      );
      const server = createTlsServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, (_q, r) =>
        json(r, 200, {}),
      );
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const check = await client.check(access(`https://127.0.0.1:${(server.address() as AddressInfo).port}`));
      expect(check).toMatchObject({ ok: false, reason: 'tls' });
      expect(check.detail).toMatch(/self-signed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a catalog refused to credentials /v2/ takes is unsupported, and wrong credentials stay unauthorized', async () => {
    const registry = await serve((request, response) => {
      if (request.headers.authorization === basic('u', 'p') && request.url === '/v2/') return json(response, 200, {});
      json(response, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
    });
    const refused = await client.catalog(access(registry.url, { username: 'u', password: 'p' }), { n: 10 }).catch((e: unknown) => e);
    expect((refused as ProblemException).code).toBe('CATALOG_UNSUPPORTED');
    const wrong = await client.catalog(access(registry.url, { username: 'u', password: 'x' }), { n: 10 }).catch((e: unknown) => e);
    expect((wrong as ProblemException).code).toBe('REGISTRY_AUTH_FAILED');
  });

  it('Docker Hub and GHCR have no catalog', async () => {
    const error = await client.catalog(access('https://registry-1.docker.io', { kind: 'dockerhub' }), { n: 10 }).catch((e: unknown) => e);
    expect((error as ProblemException).getStatus()).toBe(501);
    expect((error as ProblemException).code).toBe('CATALOG_UNSUPPORTED');
  });
});
