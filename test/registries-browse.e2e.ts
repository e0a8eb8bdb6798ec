import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, openRegistryAddress, registryCredentials } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { type TokenIssuer, startTokenIssuer, tokenRegistry } from './support/token-issuer.js';
import { freePort } from './support/ports.js';

// Issue 11: the Distribution v2 client and the browse routes against the harness's real registries:
// htpasswd (127.0.0.1:5001, deletes on), anonymous (5002, deletes off) and token auth (5003, an issuer this file starts).
// Images are pushed through the engine under this run's repositories; local tags are removed after, registry manifests deleted where allowed.

const runId = newRunId();
const enc = encodeURIComponent;
const basic = registryCredentials();
const openAddress = openRegistryAddress();
const token = tokenRegistry();
const repo = (name: string) => `berth-test/e2e-${runId}-${name}`;
const TOKEN_USER = { username: 'berth-reader', password: randomBytes(12).toString('base64url') };
const PUSHER = { username: 'berth-pusher', password: randomBytes(12).toString('base64url') };
const localTags: string[] = [];
/** Every password this file sends through Berth: none may show in its output. */
const passwords = [basic.password, TOKEN_USER.password];

/** Pushes the test image as `name` through the engine (X-Registry-Auth from `auth`), and answers its RepoDigest there. */
async function push(name: string, auth?: { username: string; password: string; serveraddress: string }): Promise<string> {
  const [repository, tag] = [name.slice(0, name.lastIndexOf(':')), name.slice(name.lastIndexOf(':') + 1)];
  await docker.getImage(TEST_IMAGE).tag({ repo: repository, tag });
  localTags.push(name);
  // The engine wants an X-Registry-Auth header even for an anonymous push: an empty one.
  const stream = await docker.getImage(name).push({ authconfig: auth ?? {} });
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (error, events: { error?: string }[]) => {
      const failed = error ?? events.find((e) => e.error)?.error;
      return failed ? reject(new Error(`push ${name}: ${String(failed)}`)) : resolve(undefined);
    }),
  );
  const digests = (await docker.getImage(name).inspect()).RepoDigests ?? [];
  const digest = digests.find((d) => d.startsWith(`${repository}@`));
  if (!digest) throw new Error(`no RepoDigest for ${repository} in ${digests.join(', ')}`);
  return digest.slice(digest.indexOf('@') + 1);
}

describe('registries: the v2 client and browsing, against real registries', () => {
  let berth: BerthProcess;
  let operator: string;
  let viewer: string;
  let issuer: TokenIssuer;
  let webServer: Server;
  let webUrl: string;
  const ids: Record<'basic' | 'open' | 'token', string> = { basic: '', open: '', token: '' };
  const digests: Record<string, string> = {};
  const call = (path: string, request: { method?: string; body?: unknown; token?: string } = {}) =>
    api(berth.url, `/api/v1/registries${path}`, { token: berth.token, ...request });

  beforeAll(async () => {
    issuer = await startTokenIssuer(
      {
        [TOKEN_USER.username]: {
          password: TOKEN_USER.password,
          grants: [
            { type: 'registry', name: 'catalog', actions: ['*'] },
            { type: 'repository', name: repo('tok'), actions: ['pull', 'delete'] },
          ],
        },
        [PUSHER.username]: { password: PUSHER.password, grants: [{ type: 'repository', name: '*', actions: ['pull', 'push'] }] },
      },
      token,
    );
    webServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((resolve) => webServer.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${(webServer.address() as AddressInfo).port}`;

    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
    viewer = await credentialFor(berth, 'viewer');
    const create = async (body: Record<string, string>) => {
      const created = await call('', { method: 'POST', body });
      if (created.status !== 201) throw new Error(`creating registry ${body.name}: ${created.status} ${created.text}`);
      return created.body.id as string;
    };
    ids.basic = await create({ name: `basic-${runId}`, url: basic.url, username: basic.username, password: basic.password });
    ids.open = await create({ name: `open-${runId}`, url: `http://${openAddress}` });
    ids.token = await create({ name: `token-${runId}`, url: token.url, ...TOKEN_USER });

    const basicAuth = { username: basic.username, password: basic.password, serveraddress: basic.address };
    digests.a = await push(`${basic.address}/${repo('a')}:1.0`, basicAuth);
    digests.b = await push(`${basic.address}/${repo('b')}:1.0`, basicAuth);
    digests.open = await push(`${openAddress}/${repo('open')}:1.0`);
    const pusher = { ...PUSHER, serveraddress: token.address };
    digests.tok = await push(`${token.address}/${repo('tok')}:1.0`, pusher);
    digests.secret = await push(`${token.address}/${repo('secret')}:1.0`, pusher);
  });

  afterAll(async () => {
    for (const name of localTags)
      await docker
        .getImage(name)
        .remove()
        .catch(() => undefined);
    if (berth) {
      for (const [id, name] of [
        [ids.basic, repo('b')],
        [ids.token, repo('tok')],
      ])
        if (id) await call(`/${id}/repositories/${enc(name)}/tags/1.0`, { method: 'DELETE' }).catch(() => undefined);
      for (const id of Object.values(ids)) if (id) await call(`/${id}`, { method: 'DELETE' }).catch(() => undefined);
      await berth.stop();
    }
    await issuer?.stop();
    await new Promise((resolve) => webServer?.close(resolve));
  });

  describe('test', () => {
    it('a stored registry with the right credentials is ok', async () => {
      const check = await call(`/${ids.basic}/test`, { method: 'POST', token: operator });
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ ok: true });
      expect(check.body.reason).toBeUndefined();
    });

    it('a wrong password is unauthorized, and the detail holds no secret', async () => {
      const wrong = `wrong-${randomBytes(9).toString('base64url')}`;
      passwords.push(wrong);
      const check = await call('/test', { method: 'POST', body: { url: basic.url, username: basic.username, password: wrong } });
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ ok: false, reason: 'unauthorized' });
      expect(check.text).not.toContain(wrong);
      expect(check.text).not.toContain(basic.password);
    });

    it('an unused port is unreachable', async () => {
      const check = await call('/test', { method: 'POST', body: { url: `http://127.0.0.1:${await freePort()}` } });
      expect(check.body).toMatchObject({ ok: false, reason: 'unreachable' });
      expect(check.body.detail).toMatch(/refused/);
    });

    it('a web server that is not a registry is not-a-registry', async () => {
      const check = await call('/test', { method: 'POST', body: { url: webUrl } });
      expect(check.body).toMatchObject({ ok: false, reason: 'not-a-registry' });
    });

    it('the token registry is ok through the Bearer flow, and a wrong password there is unauthorized', async () => {
      expect((await call(`/${ids.token}/test`, { method: 'POST' })).body).toMatchObject({ ok: true });
      const other = `not-it-${randomBytes(9).toString('base64url')}`;
      passwords.push(other);
      const wrong = await call('/test', { method: 'POST', body: { url: token.url, username: TOKEN_USER.username, password: other } });
      expect(wrong.body).toMatchObject({ ok: false, reason: 'unauthorized' });
      expect(wrong.body.detail).toContain('token service');
    });

    it('an unsaved registry is for admins only, and a bad body is 400 naming the field', async () => {
      const denied = await call('/test', { method: 'POST', token: operator, body: { url: basic.url } });
      expectProblem(denied, 403, 'FORBIDDEN');
      const bad = await call('/test', { method: 'POST', body: { url: 'file:///etc/passwd' } });
      expectProblem(bad, 400, 'VALIDATION_FAILED');
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('url');
    });
  });

  describe('browse (htpasswd registry)', () => {
    // The catalog is sorted: from just before this run's names, n=2 is exactly its two (other runs' names follow).
    it('the catalog lists both pushed repositories, a page at a time by the Link header', async () => {
      const before = `berth-test/e2e-${runId}`;
      const both = await call(`/${ids.basic}/repositories?n=2&last=${enc(before)}`, { token: operator });
      expect(both.status).toBe(200);
      expect(both.body.items).toEqual([repo('a'), repo('b')]);
      const first = await call(`/${ids.basic}/repositories?n=1&last=${enc(before)}`, { token: operator });
      expect(first.body).toEqual({ items: [repo('a')], next: repo('a') });
      const second = await call(`/${ids.basic}/repositories?n=1&last=${enc(first.body.next)}`, { token: operator });
      expect(second.body.items).toEqual([repo('b')]);
    });

    it('tags lists the tag, and the tag names the digest the engine pushed', async () => {
      const tags = await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags`, { token: operator });
      expect(tags.status).toBe(200);
      expect(tags.body).toEqual({ repository: repo('a'), items: ['1.0'] });
      const tag = await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/1.0`, { token: operator });
      expect(tag.status).toBe(200);
      expect(tag.body).toMatchObject({ repository: repo('a'), tag: '1.0', digest: digests.a });
      expect(tag.body.mediaType).toMatch(/manifest/);
      expect(tag.body.sizeBytes).toBeGreaterThan(0);
      expect(tag.body.contentSizeBytes).toBeGreaterThan(0);
      expect(typeof tag.body.created).toBe('string');
    });

    it('an unknown repository or tag is 404', async () => {
      expectProblem(await call(`/${ids.basic}/repositories/${enc(repo('none'))}/tags`), 404, 'REGISTRY_REPOSITORY_NOT_FOUND');
      expectProblem(await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/9.9`), 404, 'REGISTRY_MANIFEST_NOT_FOUND');
    });

    it.each([
      ['an uppercase repository', `/repositories/${enc('Team/App')}/tags`, 'repo'],
      ['an empty component', `/repositories/${enc('team//app')}/tags`, 'repo'],
      ['a tag starting with a dash', `/repositories/${enc('team/app')}/tags/-1`, 'tag'],
    ])('%s is 400 naming the field', async (_name, path, field) => {
      const response = await call(`/${ids.basic}${path}`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors[0].field).toBe(field);
    });

    it('page sizes are capped', async () => {
      expectProblem(await call(`/${ids.basic}/repositories?n=100000`), 400, 'VALIDATION_FAILED');
    });

    it('a viewer cannot browse, an operator cannot delete', async () => {
      expectProblem(await call(`/${ids.basic}/repositories`, { token: viewer }), 403, 'FORBIDDEN');
      expectProblem(
        await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/1.0`, { method: 'DELETE', token: operator }),
        403,
        'FORBIDDEN',
      );
      expect((await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/1.0`)).status).toBe(200);
    });

    it('deleting a tag deletes its manifest where the registry allows deletes', async () => {
      const deleted = await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/1.0`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ repository: repo('a'), tag: '1.0', digest: digests.a });
      expectProblem(await call(`/${ids.basic}/repositories/${enc(repo('a'))}/tags/1.0`), 404, 'REGISTRY_MANIFEST_NOT_FOUND');
      expect((await call(`/${ids.basic}/repositories/${enc(repo('b'))}/tags/1.0`)).body.digest).toBe(digests.b);
    });

    it('a registry with deletes disabled answers 409 and keeps the tag', async () => {
      const refused = await call(`/${ids.open}/repositories/${enc(repo('open'))}/tags/1.0`, { method: 'DELETE' });
      expectProblem(refused, 409, 'REGISTRY_DELETE_DISABLED');
      expect(refused.body.detail).toMatch(/deletes/);
      expect((await call(`/${ids.open}/repositories/${enc(repo('open'))}/tags/1.0`)).body.digest).toBe(digests.open);
    });
  });

  describe('browse (token registry, Bearer flow)', () => {
    it('catalog, tags and the manifest work with tokens the issuer granted', async () => {
      const catalog = await call(`/${ids.token}/repositories?n=2&last=${enc(`berth-test/e2e-${runId}`)}`, { token: operator });
      expect(catalog.status).toBe(200);
      expect(catalog.body.items).toEqual([repo('secret'), repo('tok')]);
      const tags = await call(`/${ids.token}/repositories/${enc(repo('tok'))}/tags`, { token: operator });
      expect(tags.body).toEqual({ repository: repo('tok'), items: ['1.0'] });
      const tag = await call(`/${ids.token}/repositories/${enc(repo('tok'))}/tags/1.0`, { token: operator });
      expect(tag.body).toMatchObject({ digest: digests.tok });
      expect(issuer.issued.some((i) => i.account === TOKEN_USER.username && i.asked.includes(`repository:${repo('tok')}:pull`))).toBe(true);
    });

    it('a repository outside the granted scope is refused with the scope named', async () => {
      const refused = await call(`/${ids.token}/repositories/${enc(repo('secret'))}/tags`, { token: operator });
      expectProblem(refused, 502, 'REGISTRY_FORBIDDEN');
      expect(refused.body.reason).toBe('forbidden');
      expect(refused.body.detail).toContain(`repository:${repo('secret')}:pull`);
      expect(refused.text).not.toContain(TOKEN_USER.password);
    });

    it('a tag is deleted with a token granting delete', async () => {
      const deleted = await call(`/${ids.token}/repositories/${enc(repo('tok'))}/tags/1.0`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.body.digest).toBe(digests.tok);
      expectProblem(await call(`/${ids.token}/repositories/${enc(repo('tok'))}/tags/1.0`), 404, 'REGISTRY_MANIFEST_NOT_FOUND');
    });
  });

  it('no password used here shows in what Berth printed', () => {
    const output = berth.output();
    expect(output.length).toBeGreaterThan(0);
    for (const password of passwords) expect(output).not.toContain(password);
  });
});
