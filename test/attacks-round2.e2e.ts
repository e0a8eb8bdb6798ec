import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

/**
 * Issue 8, second round: attacks on the fixes, as an operator. Each test is the attack and
 * asserts that it now fails.
 */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';

describe('attacks on the round-one fixes', () => {
  let berth: BerthProcess;
  let operator: string;
  /** A host directory holding a marker only the host's / shows (Berth and the engine share the host here). */
  let markerDir: string;
  const marker = `marker-${runId}`;

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
    markerDir = mkdtempSync(join(tmpdir(), 'berth-attack-'));
    writeFileSync(join(markerDir, 'secret'), marker);
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    rmSync(markerDir, { recursive: true, force: true });
  });

  const create = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sleep', '300'], ...body } });
  const rename = (token: string, container: string, name: string) =>
    api(berth.url, `${base}/${container}/rename`, { method: 'POST', token, body: { name } });
  const start = (token: string, container: string) => api(berth.url, `${base}/${container}/start`, { method: 'POST', token });

  it('an operator holds a pull (its own slow registry) between the join check and the create, and swaps the joined name meanwhile: the create joins what was judged', async () => {
    const exception = await create(berth.token, { name: uniqueName('exc'), binds: ['/:/host:ro'], start: true });
    expect(exception.status, exception.text).toBe(201);
    const decoyName = uniqueName('decoy');
    const decoy = await create(operator, { name: decoyName, start: true });
    expect(decoy.status, decoy.text).toBe(201);

    const registry = await slowRegistry(markerDir);
    const image = `127.0.0.1:${registry.port}/berth-test/slow-${runId}:1`;
    try {
      const pending = create(operator, {
        name: uniqueName('joiner'),
        image,
        pull: 'always',
        pidMode: `container:${decoyName}`,
        cmd: ['sh', '-c', `cat /proc/1/root/host${markerDir}/secret; echo done; sleep 300`],
      });
      // The policy has judged the join (a plain container) and the pull now waits on the attacker's registry.
      await registry.manifestRequested;
      expect((await rename(operator, decoy.body.id, uniqueName('aside'))).status).toBe(204);
      expect((await rename(operator, exception.body.id, decoyName)).status).toBe(204);
      registry.release();

      const joiner = await pending;
      if (joiner.status === 201) {
        expect((await docker.getContainer(joiner.body.id).inspect()).HostConfig.PidMode).toBe(`container:${decoy.body.id}`);
        expect((await start(operator, joiner.body.id)).status).toBe(204);
        expect(await waitForLogs(joiner.body.id)).not.toContain(marker);
      } else {
        expect(joiner.status, joiner.text).toBe(403);
      }
    } finally {
      registry.server.close();
      await docker
        .getImage(image)
        .remove()
        .catch(() => undefined);
    }
  });

  it.each(['utf-16le', 'utf-16'])(
    'a login body 20 000 levels deep in charset=%s, with an escaped quote that ends a string early for a UTF-8 scan, is 415 (no stack overflow)',
    async (charset) => {
      const depth = 20_000;
      const text = `{"username":"\\"","password":"x","z":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const response = await fetch(`${berth.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': `application/json; charset=${charset}` },
        body: Buffer.from(text, 'utf16le'),
      });
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((await api(berth.url, '/healthz')).status).toBe(200);
    },
  );

  it("an operator pulls (create with pull: always) over the tag an admin's policy exception runs: 403, and nothing is pulled", async () => {
    const registry = await slowRegistry(markerDir);
    registry.release();
    const image = `127.0.0.1:${registry.port}/berth-test/agent-${runId}:1`;
    try {
      const exception = await create(berth.token, { name: uniqueName('agent'), image, pull: 'always', binds: ['/:/host:ro'] });
      expect(exception.status, exception.text).toBe(201);
      const pulls = registry.manifestRequests();

      const response = await create(operator, { name: uniqueName('puller'), image, pull: 'always' });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.containers).toContain(exception.body.id);
      expect(registry.manifestRequests()).toBe(pulls);
      // Without a pull (the image is there) an operator may still run it.
      expect((await create(operator, { name: uniqueName('user'), image, pull: 'missing' })).status).toBe(201);
    } finally {
      registry.server.close();
      await removeTestResources(runId);
      await docker
        .getImage(image)
        .remove()
        .catch(() => undefined);
    }
  });

  it("ps options the host's ps refuses, or a format without a PID column, are a 400 for the caller, not a 502", async () => {
    const target = await create(operator, { name: uniqueName('top'), start: true });
    expect(target.status, target.text).toBe(201);
    for (const psArgs of ['-Q', 'zzz', '--junk', '-o comm']) {
      const response = await api(berth.url, `${base}/${target.body.id}/top?psArgs=${encodeURIComponent(psArgs)}`, { token: operator });
      expectProblem(response, 400, 'INVALID_PS_ARGS');
    }
  });

  describe('with an allowed bind root', () => {
    let rooted: BerthProcess;
    let rootedOperator: string;
    let root: string;
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'berth-attack-root-'));
      rooted = await startBerth({ env: { BERTH_ALLOWED_BIND_ROOTS: root } });
      rootedOperator = await credentialFor(rooted, 'operator');
    });
    afterAll(async () => {
      await rooted?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('a container with binds swaps its own source for a symlink and lets the restart policy start it again: the watcher comes too late, so no restart policy', async () => {
      execFileSync('mkdir', ['-p', join(root, 'esc')]);
      // First run: /x is the plain directory; once the watcher has looked at this start, it plants esc -> / and fails.
      // The engine restarts it 100 ms later, mounting the host's /, and the copy takes a few ms: the watcher's stop is late.
      const script = `if cat /x${markerDir}/secret > /r/part 2>/dev/null; then mv /r/part /r/copy; sleep 300; fi; sleep 1; rm -rf /r/esc && ln -s / /r/esc; exit 1`;
      const response = await api(rooted.url, base, {
        method: 'POST',
        token: rootedOperator,
        body: {
          image: TEST_IMAGE,
          pull: 'never',
          labels,
          name: uniqueName('restarter'),
          binds: [`${root}:/r`, `${root}/esc:/x`],
          restartPolicy: { name: 'always' },
          cmd: ['sh', '-c', script],
          start: true,
        },
      });
      if (response.status === 201) {
        // Wait until the container is stopped for good (the watcher) or a copy got out.
        const done = async () => existsSync(join(root, 'copy')) || !(await docker.getContainer(response.body.id).inspect()).State.Running;
        const deadline = Date.now() + 10_000;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        while (Date.now() < deadline && !(await done())) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(existsSync(join(root, 'copy')) ? readFileSync(join(root, 'copy'), 'utf8') : '').not.toContain(marker);
      } else {
        expect(response.status, response.text).toBe(403);
        expect(response.body.code).toBe('POLICY_DENIED');
        expect(response.body.rules).toContain('bind-restart-policy');
      }
    });

    it("a container plants the symlink itself when Berth's restart stops it (SIGTERM trap): the check before the restart is stale by the start", async () => {
      execFileSync('mkdir', ['-p', join(root, 'esc2')]);
      const script = `trap 'rm -rf /r/esc2 && ln -s / /r/esc2; exit 0' TERM; if cat /x${markerDir}/secret > /r/part2 2>/dev/null; then mv /r/part2 /r/copy2; fi; while true; do sleep 0.1; done`;
      const created = await api(rooted.url, base, {
        method: 'POST',
        token: rootedOperator,
        body: {
          image: TEST_IMAGE,
          pull: 'never',
          labels,
          name: uniqueName('trapper'),
          binds: [`${root}:/r`, `${root}/esc2:/x`],
          cmd: ['sh', '-c', script],
          start: true,
        },
      });
      expect(created.status, created.text).toBe(201);
      const restarted = await api(rooted.url, `${base}/${created.body.id}/restart`, { method: 'POST', token: rootedOperator });
      // Either Berth refuses the start after the stop (403) or it started what it checked; the host's file never gets out.
      expect([204, 403]).toContain(restarted.status);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && !existsSync(join(root, 'copy2'))) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(existsSync(join(root, 'copy2')) ? readFileSync(join(root, 'copy2'), 'utf8') : '').not.toContain(marker);
      if (restarted.status === 403) expect(restarted.body.rules).toContain('bind-symlink');
    });
  });
});

/**
 * A registry the attacker runs: it serves the test image (from `docker save`) but holds the manifest
 * until released, so the pull takes as long as the attacker likes.
 */
async function slowRegistry(
  workDir: string,
): Promise<{ server: Server; port: number; manifestRequested: Promise<void>; release: () => void; manifestRequests: () => number }> {
  let manifestRequests = 0;
  const saved = join(workDir, 'image');
  execFileSync('mkdir', ['-p', saved]);
  execFileSync('sh', ['-c', `docker save ${TEST_IMAGE} | tar -x -C ${saved}`]);
  const [entry] = JSON.parse(readFileSync(join(saved, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
  const digest = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const config = readFileSync(join(saved, entry.Config));
  const layers = entry.Layers.map((path) => readFileSync(join(saved, path)));
  const blobs = new Map([config, ...layers].map((bytes) => [digest(bytes), bytes]));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digest(config) },
      layers: layers.map((bytes) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
        size: bytes.length,
        digest: digest(bytes),
      })),
    }),
  );
  let requested!: () => void;
  let release!: () => void;
  const manifestRequested = new Promise<void>((resolve) => (requested = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const send = (type: string, bytes: Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'docker-content-digest': digest(bytes), ...extra });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    };
    if (url === '/v2/' || url === '/v2') return send('application/json', Buffer.from('{}'));
    if (/\/manifests\//.test(url)) {
      manifestRequests++;
      requested();
      void released.then(() => send('application/vnd.docker.distribution.manifest.v2+json', manifest));
      return;
    }
    const blob = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
    if (blob && blobs.has(blob[1])) return send('application/octet-stream', blobs.get(blob[1])!);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, manifestRequested, release, manifestRequests: () => manifestRequests };
}

/** The container's output once it printed something (or a few seconds passed). */
async function waitForLogs(id: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const buffer = (await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer;
    const text = buffer.toString();
    if (text.length > 0 || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
