import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, registryCredentials, removeTestResources, testLabels } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

// Issue 11, registry records: CRUD and its bad input, roles, the engine given the stored credentials
// for the htpasswd registry of the harness (push, pull as a job, create with pull: always), the
// secrets never written in clear, and a key rotation that Berth survives.

const runId = newRunId();
const labels = testLabels(runId);
const registry = registryCredentials();
const REPO = `${registry.address}/berth-test/records-${runId}`;
const IMAGE = `${REPO}:1`;
const BUILT = `berth-test/records-built-${runId}:1`;
const enc = encodeURIComponent;
/** Every secret this file gives Berth: none may be found in its database files or its output. */
const secrets = [registry.password];
const newSecret = (label: string) => {
  const secret = `${label}-${randomBytes(12).toString('base64url')}`;
  secrets.push(secret);
  return secret;
};
const AUTH_REFUSAL = /unauthorized|authentication required|no basic auth credentials/i;

describe('registry records', () => {
  let berth: BerthProcess;
  let viewer: string;
  let operator: string;
  let registryId: string;
  const admin = (path: string, request: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    api(berth.url, `/api/v1/registries${path}`, { token: berth.token, ...request });
  const images = (path: string, request: { method?: string; body?: unknown } = {}) =>
    api(berth.url, `/api/v1/hosts/local/images${path}`, { token: berth.token, ...request });
  const pull = (body: Record<string, unknown>) => images('/pull?wait=true', { method: 'POST', body });
  const removeLocal = async () => {
    await docker
      .getImage(IMAGE)
      .remove()
      .catch(() => undefined);
    await expect(docker.getImage(IMAGE).inspect()).rejects.toMatchObject({ statusCode: 404 });
  };
  const list = async () => (await admin('')).body as Array<{ id: string; name: string }>;

  beforeAll(async () => {
    berth = await startBerth();
    viewer = await credentialFor(berth, 'viewer');
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    await docker
      .getImage(IMAGE)
      .remove()
      .catch(() => undefined);
  });

  describe('CRUD', () => {
    it('creates a record: secrets only as hasPassword, the url normalised, the audit with name and url only', async () => {
      const password = newSecret('crud');
      const created = await admin('', {
        method: 'POST',
        body: { name: `crud ${runId}`, url: `crud-${runId}.example.com:5000`, username: 'bot', password },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: `crud ${runId}`,
        kind: 'generic',
        host: `crud-${runId}.example.com:5000`,
        url: `https://crud-${runId}.example.com:5000`,
        username: 'bot',
        hasPassword: true,
        hasIdentityToken: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const { id } = created.body;
      expect((await admin(`/${id}`)).body).toEqual(created.body);
      expect(await list()).toContainEqual(created.body);
      const [event] = await auditEvents(berth, `target=${id}`, (items) => items.length >= 1);
      expect(event).toMatchObject({ action: 'POST /api/v1/registries', status: 201 });
      expect(event.details).toMatchObject({ name: `crud ${runId}`, url: `https://crud-${runId}.example.com:5000` });
      expect(JSON.stringify(event)).not.toContain(password);
    });

    it('changes a record: a token replaces the password, null clears; deletes it (404 after)', async () => {
      const created = await admin('', {
        method: 'POST',
        body: { name: `patch ${runId}`, url: `patch-${runId}.example.com`, password: newSecret('p') },
      });
      const { id } = created.body;
      const token = await admin(`/${id}`, { method: 'PATCH', body: { identityToken: newSecret('token'), kind: 'gitlab' } });
      expect(token.body).toMatchObject({ hasPassword: false, hasIdentityToken: true, kind: 'gitlab', username: null });
      const cleared = await admin(`/${id}`, { method: 'PATCH', body: { identityToken: null, username: 'x', name: `patched ${runId}` } });
      expect(cleared.body).toMatchObject({ hasPassword: false, hasIdentityToken: false, username: 'x', name: `patched ${runId}` });
      const moved = await admin(`/${id}`, { method: 'PATCH', body: { url: 'http://Registry.Internal:5000/' } });
      expect(moved.body).toMatchObject({ host: 'registry.internal:5000', url: 'http://registry.internal:5000' });
      expect((await admin(`/${id}`, { method: 'DELETE' })).status).toBe(204);
      expectProblem(await admin(`/${id}`), 404, 'REGISTRY_NOT_FOUND');
      expectProblem(await admin(`/${id}`, { method: 'DELETE' }), 404, 'REGISTRY_NOT_FOUND');
      expectProblem(await admin(`/${id}`, { method: 'PATCH', body: { name: 'x' } }), 404, 'REGISTRY_NOT_FOUND');
      expectProblem(await admin('/not-a-uuid'), 404, 'REGISTRY_NOT_FOUND');
    });

    it('null secrets on a new record mean none (not a 500)', async () => {
      const created = await admin('', {
        method: 'POST',
        body: { name: `nulls ${runId}`, url: `nulls-${runId}.example.com`, username: null, password: null, identityToken: null },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: null, hasPassword: false, hasIdentityToken: false });
      expect((await admin(`/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    });

    it("normalises Docker Hub's three names to one record", async () => {
      const hub = await admin('', { method: 'POST', body: { name: `hub ${runId}`, url: 'https://index.docker.io/' } });
      expect(hub.body).toMatchObject({ host: 'docker.io', url: 'https://registry-1.docker.io', kind: 'dockerhub' });
      for (const url of ['docker.io', 'registry-1.docker.io', 'INDEX.DOCKER.IO']) {
        const again = await admin('', { method: 'POST', body: { name: `hub ${url} ${runId}`, url } });
        expectProblem(again, 409, 'REGISTRY_HOST_TAKEN');
        expect(again.body.errors).toEqual([{ field: 'url', message: expect.stringContaining('docker.io') }]);
      }
      expect((await admin(`/${hub.body.id}`, { method: 'DELETE' })).status).toBe(204);
    });

    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['a url with a path', { url: 'registry.example.com/team' }, 'url'],
      ['a url with a query', { url: 'registry.example.com?x=1' }, 'url'],
      ['a url with a fragment', { url: 'registry.example.com#x' }, 'url'],
      ['a url with userinfo', { url: 'https://user:pw@registry.example.com' }, 'url'],
      ['a file:// url', { url: 'file:///etc/passwd' }, 'url'],
      ['an ftp:// url', { url: 'ftp://registry.example.com' }, 'url'],
      ['an empty url', { url: '' }, 'url'],
      ['an unknown kind', { url: 'registry.example.com', kind: 'quay' }, 'kind'],
      ['a password and a token', { url: 'registry.example.com', password: 'a', identityToken: 'b' }, 'identityToken'],
      ['a bad name', { url: 'registry.example.com', name: ' spaced ' }, 'name'],
      ['an unknown field', { url: 'registry.example.com', insecure: true }, 'insecure'],
    ];
    it.each(bad)('400 VALIDATION_FAILED naming the field for %s; nothing stored', async (_case, body, field) => {
      const before = await list();
      const response = await admin('', { method: 'POST', body: { name: `bad ${runId}`, ...body } });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await list()).toEqual(before);
    });

    it('a body that is not JSON is 400 without quoting it (a password in it stays unechoed and unlogged)', async () => {
      const password = newSecret('unparsed');
      for (const body of [`{"name": "x", "url": "a.example.com", "password": ${password}}`, password, `{"password": "${password}"`]) {
        const response = await admin('', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        expectProblem(response, 400, 'BAD_REQUEST');
        expect(response.body.detail).toBe('The request body is not valid JSON.');
        expect(response.text).not.toContain(password);
      }
    });

    it('409 naming the field for a name or host taken, on create and on change; nothing changed', async () => {
      const one = await admin('', { method: 'POST', body: { name: `one ${runId}`, url: `one-${runId}.example.com` } });
      const two = await admin('', { method: 'POST', body: { name: `two ${runId}`, url: `two-${runId}.example.com` } });
      const before = await list();
      const name = await admin('', { method: 'POST', body: { name: `one ${runId}`, url: `three-${runId}.example.com` } });
      expectProblem(name, 409, 'REGISTRY_NAME_TAKEN');
      expect(name.body.errors).toEqual([{ field: 'name', message: 'name is taken' }]);
      expectProblem(
        await admin('', { method: 'POST', body: { name: `three ${runId}`, url: `https://ONE-${runId}.example.com` } }),
        409,
        'REGISTRY_HOST_TAKEN',
      );
      expectProblem(await admin(`/${two.body.id}`, { method: 'PATCH', body: { name: `one ${runId}` } }), 409, 'REGISTRY_NAME_TAKEN');
      expectProblem(
        await admin(`/${two.body.id}`, { method: 'PATCH', body: { url: `one-${runId}.example.com` } }),
        409,
        'REGISTRY_HOST_TAKEN',
      );
      for (const body of [
        { url: 'x.example.com/path' },
        { kind: 'nope' },
        { name: null },
        { url: null },
        { password: 'a', identityToken: 'b' },
      ]) {
        expectProblem(await admin(`/${two.body.id}`, { method: 'PATCH', body }), 400, 'VALIDATION_FAILED');
      }
      expect(await list()).toEqual(before);
      for (const { id } of [one.body, two.body]) await admin(`/${id}`, { method: 'DELETE' });
    });

    it('roles: a viewer cannot read registries, an operator reads but cannot write', async () => {
      const created = await admin('', { method: 'POST', body: { name: `roles ${runId}`, url: `roles-${runId}.example.com` } });
      const as = (token: string, path: string, request: { method?: string; body?: unknown } = {}) =>
        api(berth.url, `/api/v1/registries${path}`, { token, ...request });
      expectProblem(await as(viewer, ''), 403, 'FORBIDDEN');
      expectProblem(await as(viewer, `/${created.body.id}`), 403, 'FORBIDDEN');
      expect((await as(operator, '')).status).toBe(200);
      expect((await as(operator, `/${created.body.id}`)).body.name).toBe(`roles ${runId}`);
      expectProblem(
        await as(operator, '', { method: 'POST', body: { name: `op ${runId}`, url: `op-${runId}.example.com` } }),
        403,
        'FORBIDDEN',
      );
      expectProblem(await as(operator, `/${created.body.id}`, { method: 'PATCH', body: { name: 'mine' } }), 403, 'FORBIDDEN');
      expectProblem(await as(operator, `/${created.body.id}`, { method: 'DELETE' }), 403, 'FORBIDDEN');
      expect((await admin(`/${created.body.id}`)).body.name).toBe(`roles ${runId}`);
      await admin(`/${created.body.id}`, { method: 'DELETE' });
    });
  });

  describe("the engine given the record's credentials (htpasswd registry)", () => {
    it('without a record, a push fails the job with the registry refusal', async () => {
      const tagged = await images(`/${enc(TEST_IMAGE)}/tag`, { method: 'POST', body: { repo: REPO, tag: '1' } });
      expect(tagged.status).toBe(201);
      const push = await images(`/${enc(IMAGE)}/push?wait=true`, { method: 'POST', body: { tag: '1' } });
      expect(push.body.status).toBe('failed');
      expect(push.body.error).toMatch(AUTH_REFUSAL);
    });

    it('with the record, the push succeeds; the image pulls back as a job', async () => {
      const created = await admin('', {
        method: 'POST',
        body: { name: `harness ${runId}`, url: registry.url, username: registry.username, password: registry.password },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ host: registry.address, url: registry.url, hasPassword: true });
      expect(created.text).not.toContain(registry.password);
      registryId = created.body.id;
      const push = await images(`/${enc(IMAGE)}/push?wait=true`, { method: 'POST', body: { tag: '1' } });
      expect(push.body).toMatchObject({ status: 'succeeded', result: { digest: expect.stringMatching(/^sha256:/) } });
      await removeLocal();
      const pulled = await pull({ image: IMAGE });
      expect(pulled.body).toMatchObject({ status: 'succeeded', target: IMAGE });
      expect((await docker.getImage(IMAGE).inspect()).RepoDigests).toContain(`${REPO}@${push.body.result.digest}`);
    });

    it('a pull may name the record; an unknown one is 404, one for another host 400 naming registryId', async () => {
      await removeLocal();
      expect((await pull({ image: IMAGE, registryId })).body.status).toBe('succeeded');
      expectProblem(await pull({ image: IMAGE, registryId: '6f1c1e1e-0000-4000-8000-000000000000' }), 404, 'REGISTRY_NOT_FOUND');
      // Credentials for 127.0.0.1:5001 must never go to another registry, whatever the request says.
      const elsewhere = await pull({ image: `localhost:5001/berth-test/records-${runId}:1`, registryId });
      expectProblem(elsewhere, 400, 'VALIDATION_FAILED');
      expect(elsewhere.body.errors[0].field).toBe('registryId');
    });

    it('POST /containers with pull: always works with the record', async () => {
      const created = await api(berth.url, '/api/v1/hosts/local/containers', {
        method: 'POST',
        token: berth.token,
        body: { image: IMAGE, pull: 'always', labels, cmd: ['true'] },
      });
      expect(created.status).toBe(201);
      expect((await docker.getContainer(created.body.id).inspect()).Config.Image).toBe(IMAGE);
    });

    it('a build FROM the private image pulls its base with the stored credentials (X-Registry-Config)', async () => {
      // Another record whose password puts `+` and `/` into standard base64: an engine given the config
      // in any encoding but padded base64url reads none of it, and the base image pull fails.
      const other = await admin('', {
        method: 'POST',
        body: { name: `other ${runId}`, url: `other-${runId}.example.com`, username: 'u', password: newSecret('>>>>>>??????') },
      });
      await removeLocal();
      const built = await images('/build?wait=true', {
        method: 'POST',
        body: { dockerfile: `FROM ${IMAGE}\nRUN true\n`, tags: [BUILT], labels },
      });
      expect(built.body, JSON.stringify(built.body)).toMatchObject({ status: 'succeeded' });
      await docker.getImage(IMAGE).inspect();
      expect((await admin(`/${other.body.id}`, { method: 'DELETE' })).status).toBe(204);
    });

    it('a wrong password, then no record: the pull job fails with the refusal, the create with 502 REGISTRY_AUTH_FAILED', async () => {
      await admin(`/${registryId}`, { method: 'PATCH', body: { password: newSecret('wrong') } });
      await removeLocal();
      const wrong = await pull({ image: IMAGE });
      expect(wrong.body.status).toBe('failed');
      expect(wrong.body.error).toMatch(AUTH_REFUSAL);
      await admin(`/${registryId}`, { method: 'PATCH', body: { password: registry.password } });

      const { body: saved } = await admin(`/${registryId}`);
      expect((await admin(`/${registryId}`, { method: 'DELETE' })).status).toBe(204);
      const anonymous = await pull({ image: IMAGE });
      expect(anonymous.body.status).toBe('failed');
      expect(anonymous.body.error).toMatch(AUTH_REFUSAL);
      const create = await api(berth.url, '/api/v1/hosts/local/containers', {
        method: 'POST',
        token: berth.token,
        body: { image: IMAGE, pull: 'always', labels, cmd: ['true'] },
      });
      expectProblem(create, 502, 'REGISTRY_AUTH_FAILED');
      expect(create.text).not.toContain(registry.password);
      const build = await images('/build?wait=true', {
        method: 'POST',
        body: { dockerfile: `FROM ${IMAGE}\nRUN true\n`, tags: [BUILT], labels, noCache: true },
      });
      expect(build.body.status).toBe('failed');
      expect(build.body.error).toMatch(AUTH_REFUSAL);

      const again = await admin('', {
        method: 'POST',
        body: { name: saved.name, url: registry.address, username: registry.username, password: registry.password },
      });
      expect(again.body).toMatchObject({ host: registry.address, url: registry.url });
      registryId = again.body.id;
      expect((await pull({ image: IMAGE })).body.status).toBe('succeeded');
    });
  });

  describe('the secret key', () => {
    it('rotate-secret-key re-encrypts every secret; Berth restarted still pulls with the record', async () => {
      const keyIds = () => {
        const db = new Database(join(berth.dataDir, 'berth.db'), { readonly: true });
        try {
          const rows = db.prepare('select password_sealed from registries where password_sealed is not null').all() as Array<{
            password_sealed: string;
          }>;
          return new Set(rows.map((row) => row.password_sealed.split('.')[1]));
        } finally {
          db.close();
        }
      };
      const keyBefore = readFileSync(join(berth.dataDir, 'secret-key'), 'utf8');
      const idsBefore = keyIds();
      expect(idsBefore.size).toBe(1);

      await berth.stop();
      const rotation = spawnSync(process.execPath, ['dist/bin/rotate-secret-key.js'], {
        env: { ...process.env, BERTH_DATA_DIR: berth.dataDir, BERTH_SECRET_KEY: '' },
        encoding: 'utf8',
      });
      expect(rotation.status, rotation.stderr).toBe(0);
      expect(rotation.stdout).toMatch(/re-encrypted \d+ secrets under key [0-9a-f]{16}/);
      for (const secret of secrets) expect(`${rotation.stdout}${rotation.stderr}`).not.toContain(secret);
      expect(readFileSync(join(berth.dataDir, 'secret-key'), 'utf8')).not.toBe(keyBefore);
      expect(readdirSync(berth.dataDir)).not.toContain('secret-key.next');
      const idsAfter = keyIds();
      expect(idsAfter.size).toBe(1);
      expect([...idsAfter][0]).not.toBe([...idsBefore][0]);

      await berth.restart();
      await removeLocal();
      expect((await pull({ image: IMAGE })).body.status).toBe('succeeded');
    });

    it('no secret is in the database files nor in what Berth printed', async () => {
      await berth.stop();
      const files = readdirSync(berth.dataDir).filter((name) => name.startsWith('berth.db'));
      expect(files).toContain('berth.db');
      const found: string[] = [];
      for (const file of files) {
        const bytes = readFileSync(join(berth.dataDir, file));
        for (const secret of secrets) if (bytes.includes(secret)) found.push(`${secret} in ${file}`);
      }
      for (const secret of secrets) if (berth.output().includes(secret)) found.push(`${secret} in the output`);
      expect(secrets.length).toBeGreaterThan(4);
      expect(found).toEqual([]);
    });
  });
});
