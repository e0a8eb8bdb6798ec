import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/**
 * Round three: attacks on the registries, the v2 client and prune. Each test is the attack and
 * asserts that it now fails.
 */
const runId = newRunId();
const labels = testLabels(runId);
const PASSWORD = `stored-secret-${runId}`;
/** A copy of the test image's tag for this run (the test image itself is never retagged), removed by name after. */
const GUARDED = `berth-test/e2e-r3-${runId}:guarded`;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A throwaway HTTP server on 127.0.0.1 recording each request's Authorization header. */
async function serve(handler: Handler): Promise<{ server: Server; port: number; authorizations: string[] }> {
  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, authorizations };
}

describe('attacks, round three', () => {
  let berth: BerthProcess;
  let operator: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    for (const server of servers) server.close();
    await removeTestResources(runId);
    await docker
      .getImage(GUARDED)
      .remove()
      .catch(() => undefined);
  });

  it('a build with pull whose COPY --from names the image a policy exception runs is refused, as its FROM would be', async () => {
    const [repo, tag] = GUARDED.split(':');
    await docker.getImage(TEST_IMAGE).tag({ repo, tag });
    const exception = await api(berth.url, '/api/v1/hosts/local/containers', {
      method: 'POST',
      token: berth.token,
      body: { image: GUARDED, pull: 'never', labels, name: uniqueName('r3-exc'), cmd: ['true'], binds: ['/:/host:ro'] },
    });
    expect(exception.status, exception.text).toBe(201);
    const target = `berth-test/e2e-r3-${runId}:copied`;
    const build = (dockerfile: string, buildArgs?: Record<string, string>) =>
      api(berth.url, '/api/v1/hosts/local/images/build', {
        method: 'POST',
        token: operator,
        body: { dockerfile, buildArgs, tags: [target], labels, pull: true },
      });

    const direct = await build(`FROM scratch\nCOPY --from=${GUARDED} /bin/busybox /copied\n`);
    expectProblem(direct, 403, 'POLICY_DENIED');
    expect(direct.body.detail).toContain(GUARDED);
    const viaArg = await build(`ARG TOOL\nFROM scratch\nCOPY --from=\${TOOL} /bin/busybox /copied\n`, { TOOL: GUARDED });
    expectProblem(viaArg, 403, 'POLICY_DENIED');
    await expect(docker.getImage(target).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a registry whose Bearer realm is another host does not receive the stored password there (test, unsaved test, tags)', async () => {
    // The harvester: a "token service" on another host name that records what Berth sends it.
    const harvester = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'harvested' }));
    });
    const registry = await serve((_request, response) => {
      response
        .writeHead(401, {
          'content-type': 'application/json',
          'docker-distribution-api-version': 'registry/2.0',
          'www-authenticate': `Bearer realm="http://localhost:${harvester.port}/token",service="evil"`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    });
    servers.push(harvester.server, registry.server);
    const url = `http://127.0.0.1:${registry.port}`;
    const stored = await api(berth.url, '/api/v1/registries', {
      method: 'POST',
      token: berth.token,
      body: { name: `realm ${runId}`, url, username: 'ci-bot', password: PASSWORD },
    });
    expect(stored.status, stored.text).toBe(201);
    try {
      const tested = await api(berth.url, `/api/v1/registries/${stored.body.id}/test`, { method: 'POST', token: operator });
      expect(tested.status, tested.text).toBe(200);
      expect(tested.body).toMatchObject({ ok: false, reason: 'unauthorized' });
      expect(tested.body.detail).toContain(`http://localhost:${harvester.port}`);
      const unsaved = await api(berth.url, '/api/v1/registries/test', {
        method: 'POST',
        token: berth.token,
        body: { url, username: 'ci-bot', password: PASSWORD },
      });
      expect(unsaved.status, unsaved.text).toBe(200);
      expect(unsaved.body).toMatchObject({ ok: false, reason: 'unauthorized' });
      const tags = await api(berth.url, `/api/v1/registries/${stored.body.id}/repositories/team%2Fapp/tags`, { token: operator });
      expect(tags.status, tags.text).toBe(502);
      expect(tags.body.code).toBe('REGISTRY_AUTH_FAILED');
      for (const answer of [tested.text, unsaved.text, tags.text]) expect(answer).not.toContain(PASSWORD);

      // Berth did reach the registry, and never sent the harvester anything.
      expect(registry.authorizations.length).toBeGreaterThanOrEqual(3);
      expect(harvester.authorizations).toEqual([]);
    } finally {
      await api(berth.url, `/api/v1/registries/${stored.body.id}`, { method: 'DELETE', token: berth.token });
    }
  });

  it('a 401 from where the registry redirects names a realm: it gets no credentials', async () => {
    const realm = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'harvested' }));
    });
    // Same host name as the registry (the realm rule alone would let it through), another origin.
    const storage = await serve((_request, response) => {
      response.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${realm.port}/token",service="r3"` }).end('{}');
    });
    const registry = await serve((request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${storage.port}${request.url}` }).end();
    });
    servers.push(realm.server, storage.server, registry.server);
    const tested = await api(berth.url, '/api/v1/registries/test', {
      method: 'POST',
      token: berth.token,
      body: { url: `http://127.0.0.1:${registry.port}`, username: 'ci-bot', password: PASSWORD },
    });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(tested.text).not.toContain(PASSWORD);
    expect(storage.authorizations.length).toBeGreaterThanOrEqual(1);
    expect(realm.authorizations).toEqual([]);
  });

  it("a token service on the registry's host redirecting the identity-token form to another origin does not get it re-posted there", async () => {
    const IDENTITY_TOKEN = `identity-${runId}`;
    const harvester = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'harvested' }));
    });
    const realm = await serve((_request, response) => {
      response.writeHead(307, { location: `http://localhost:${harvester.port}/token` }).end();
    });
    const registry = await serve((_request, response) => {
      response
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="http://127.0.0.1:${realm.port}/token",service="r3"`,
        })
        .end('{}');
    });
    servers.push(harvester.server, realm.server, registry.server);
    const tested = await api(berth.url, '/api/v1/registries/test', {
      method: 'POST',
      token: berth.token,
      body: { url: `http://127.0.0.1:${registry.port}`, identityToken: IDENTITY_TOKEN },
    });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(tested.text).not.toContain(IDENTITY_TOKEN);
    // The realm was asked (the flow ran), the other origin never.
    expect(realm.authorizations.length).toBeGreaterThanOrEqual(1);
    expect(harvester.authorizations).toEqual([]);
  });

  it('a named volume planned for prune, removed and re-created under its name before the execution, is not the one removed', async () => {
    const name = uniqueName(`prune-swap-${runId}`);
    await docker.createVolume({ Name: name, Labels: labels });
    const filter = { labels: [`berth.test.run=${runId}`], containers: false, networks: false, images: 'none', buildCache: false };
    const planned = await api(berth.url, '/api/v1/hosts/local/prune/plan', {
      method: 'POST',
      token: berth.token,
      body: { ...filter, volumes: 'all' },
    });
    expect(planned.status, planned.text).toBe(201);
    const item = planned.body.items.find((i: { kind: string; id: string }) => i.kind === 'volume' && i.id === name);
    expect(item, planned.text).toBeDefined();

    // Someone else's volume now holds the name: re-created until the engine dates it apart (its CreatedAt is in seconds).
    const recreated = await until(
      async () => {
        await docker.getVolume(name).remove();
        await docker.createVolume({ Name: name, Labels: labels });
        const inspected = (await docker.getVolume(name).inspect()) as { CreatedAt?: string };
        return inspected.CreatedAt !== item.createdAt ? inspected.CreatedAt : undefined;
      },
      'a re-created volume the engine dates apart',
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    expect(recreated).toBeDefined();

    const executed = await api(berth.url, '/api/v1/hosts/local/prune?wait=true', {
      method: 'POST',
      token: berth.token,
      body: { planId: planned.body.planId },
    });
    expect(executed.status, executed.text).toBe(200);
    const result = executed.body.result.items.find((i: { id: string }) => i.id === name);
    expect(result).toMatchObject({ status: 'skipped', detail: 're-created under this name since the plan was made: another volume' });
    expect(((await docker.getVolume(name).inspect()) as { CreatedAt?: string }).CreatedAt).toBe(recreated);
  });
});
