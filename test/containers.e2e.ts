import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { IncomingMessage, get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { EngineLink } from './support/engine-link.js';
import { TEST_IMAGE, docker, newRunId, registryCredentials, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { freePort } from './support/ports.js';

const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';

/** A host port nobody listens on right now. */
describe('containers on the real engine', () => {
  let berth: BerthProcess;
  const call = (path: string, request: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    api(berth.url, `${base}${path}`, { ...request, token: berth.token });
  /** `docker run -d` of the test image with this run's labels. */
  const run = async (body: Record<string, unknown>) => {
    const response = await call('', { method: 'POST', body: { image: TEST_IMAGE, labels, start: true, ...body } });
    expect(response.status, response.text).toBe(201);
    return response.body as { id: string; name: string; warnings: string[]; started: boolean };
  };
  const state = async (id: string) => (await call(`/${id}`)).body.state;

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_EXEC_MAX_OUTPUT_BYTES: '4096' } });
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('runs a detached web server with a published port and serves a page through it', async () => {
    const hostPort = await freePort();
    const name = uniqueName('web');
    const created = await run({ name, cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'], ports: [{ containerPort: 80, hostPort }] });
    expect(created).toMatchObject({ name, started: true, warnings: [] });
    expect(created.id).toMatch(/^[0-9a-f]{64}$/);

    const page = await until(
      async () => {
        const response = await fetch(`http://127.0.0.1:${hostPort}/`);
        return response.ok && (await response.text());
      },
      'the page',
      { ignoreErrors: true },
    );
    expect(page).toContain('hello from berth-test');

    const list = await call(`?label=berth.test.run=${runId}&name=${name}`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: created.id,
        name,
        image: TEST_IMAGE,
        state: 'running',
        labels: expect.objectContaining(labels),
        ports: expect.arrayContaining([{ containerPort: 80, hostPort, hostIp: '0.0.0.0', protocol: 'tcp' }]),
      }),
    ]);
    expect(new Date(list.body.items[0].createdAt).toISOString()).toBe(list.body.items[0].createdAt);

    const inspect = await call(`/${name}`);
    expect(inspect.status).toBe(200);
    expect(inspect.body).toMatchObject({ id: created.id, name, image: TEST_IMAGE, cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'] });
    expect(inspect.body.state).toMatchObject({ status: 'running', running: true });
    expect(inspect.body.raw.Id).toBe(created.id);
    expect(inspect.body.raw.HostConfig.PortBindings['80/tcp'][0].HostPort).toBe(String(hostPort));
    // Addressed by id prefix too, as the CLI does.
    expect((await call(`/${created.id.slice(0, 12)}`)).body.id).toBe(created.id);
  });

  it('lists with the CLI filters: stopped ones only with all, by status and by label', async () => {
    const stopped = await call('', {
      method: 'POST',
      body: { image: TEST_IMAGE, name: uniqueName('created'), labels: { ...labels, 'berth.test.kind': 'created' } },
    });
    expect(stopped.status).toBe(201);
    const mine = `label=berth.test.run=${runId}&label=berth.test.kind=created`;
    expect((await call(`?${mine}`)).body).toEqual({ items: [], nextCursor: null, total: 0 });
    expect((await call(`?${mine}&all=true`)).body.items.map((c: { id: string }) => c.id)).toEqual([stopped.body.id]);
    expect((await call(`?${mine}&status=created`)).body.items.map((c: { state: string }) => c.state)).toEqual(['created']);
    expectProblem(await call('?status=sleeping'), 400, 'VALIDATION_FAILED');
    expectProblem(await call('?all=maybe'), 400, 'VALIDATION_FAILED');
  });

  it("takes a filter repeated more than 20 times (the query parser's array limit) as that many filters", async () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`berth.test.many${i}`, 'x']));
    const created = await call('', {
      method: 'POST',
      body: { image: TEST_IMAGE, name: uniqueName('many'), labels: { ...labels, ...many } },
    });
    expect(created.status).toBe(201);
    const filters = Object.keys(many).map((key) => `label=${key}`);
    const listed = await call(`?all=true&label=berth.test.run=${runId}&${filters.join('&')}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    // Every one of them reached the engine: one more that the container lacks lists nothing.
    expect((await call(`?all=true&${filters.join('&')}&label=berth.test.many25`)).body.items).toEqual([]);
  });

  it('removes a --rm container once it exits', async () => {
    // It runs until told to exit (PID 1 exits on HUP only through its trap), so it is certainly running first.
    const created = await run({ cmd: ['sh', '-c', 'trap "exit 0" HUP; while :; do sleep 0.1; done'], autoRemove: true });
    expect(await state(created.id)).toMatchObject({ running: true });
    expect((await call(`/${created.id}/kill?signal=SIGHUP`, { method: 'POST' })).status).toBe(204);
    await until(async () => (await call(`/${created.id}`)).status === 404, 'the container to be gone', { ignoreErrors: true });
    expectProblem(await call(`/${created.id}`), 404, 'CONTAINER_NOT_FOUND');
  });

  it('pauses and unpauses, visibly in the state, and treats already-true as success', async () => {
    const { id } = await run({ cmd: ['sleep', '300'] });
    expect((await call(`/${id}/pause`, { method: 'POST' })).status).toBe(204);
    expect(await state(id)).toMatchObject({ status: 'paused', paused: true });
    expect((await call(`?label=berth.test.run=${runId}&status=paused`)).body.items.map((c: { id: string }) => c.id)).toContain(id);
    expect((await call(`/${id}/pause`, { method: 'POST' })).status).toBe(204);
    expect((await call(`/${id}/unpause`, { method: 'POST' })).status).toBe(204);
    expect(await state(id)).toMatchObject({ status: 'running', paused: false });
    expect((await call(`/${id}/unpause`, { method: 'POST' })).status).toBe(204);
    expect((await call(`/${id}/start`, { method: 'POST' })).status).toBe(204);
  });

  it('stops with a timeout, restarts, kills with a signal, and stopping a stopped one is success', async () => {
    // PID 1 has no default signal handlers: it ignores TERM (so stop needs its SIGKILL) and exits 7 on HUP.
    const { id } = await run({ cmd: ['sh', '-c', 'trap "exit 7" HUP; while :; do sleep 0.1; done'] });
    expect((await call(`/${id}/stop?timeout=1`, { method: 'POST' })).status).toBe(204);
    expect(await state(id)).toMatchObject({ running: false, exitCode: 137 });
    expect((await call(`/${id}/stop`, { method: 'POST' })).status).toBe(204);
    expect((await call(`/${id}/restart?timeout=0`, { method: 'POST' })).status).toBe(204);
    expect(await state(id)).toMatchObject({ running: true });
    expect((await call(`/${id}/kill?signal=SIGHUP`, { method: 'POST' })).status).toBe(204);
    await until(async () => !(await state(id)).running, 'the trap to exit on HUP', { ignoreErrors: true });
    expect(await state(id)).toMatchObject({ exitCode: 7 });
    expect((await call(`/${id}/kill`, { method: 'POST' })).status).toBe(204);
    expectProblem(await call(`/${id}/kill?signal=HUP`, { method: 'POST' }), 409, 'CONTAINER_NOT_RUNNING');
    expectProblem(await call(`/${id}/kill?signal=NOPE`, { method: 'POST' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(`/${id}/stop?timeout=-1`, { method: 'POST' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(`/${id}/pause`, { method: 'POST' }), 409, 'CONTAINER_NOT_RUNNING');
  });

  it('renames, validating the name as the engine does', async () => {
    const { id } = await run({ cmd: ['sleep', '300'] });
    const name = uniqueName('renamed');
    expect((await call(`/${id}/rename`, { method: 'POST', body: { name } })).status).toBe(204);
    expect((await call(`/${id}`)).body.name).toBe(name);
    expect((await call(`/${name}/rename`, { method: 'POST', body: { name } })).status).toBe(204);
    const invalid = await call(`/${id}/rename`, { method: 'POST', body: { name: 'no spaces' } });
    expectProblem(invalid, 400, 'VALIDATION_FAILED');
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const other = await run({ cmd: ['sleep', '300'], name: uniqueName('other') });
    expectProblem(await call(`/${other.id}/rename`, { method: 'POST', body: { name } }), 409, 'NAME_CONFLICT');
  });

  it('commits a container to an image and runs the committed image', async () => {
    const { id } = await run({ cmd: ['sleep', '300'] });
    const exec = await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['sh', '-c', 'echo kept > /kept.txt'] } });
    expect(exec.body.exitCode).toBe(0);
    const repo = `berth-test/committed-${runId}`;
    const commit = await call(`/${id}/commit`, {
      method: 'POST',
      body: { repo, tag: 'v1', comment: 'keep what I did', changes: [`LABEL berth.test.run=${runId}`, 'CMD ["cat", "/kept.txt"]'] },
    });
    expect(commit.status, commit.text).toBe(201);
    expect(commit.body).toEqual({ id: expect.stringMatching(/^sha256:/), image: `${repo}:v1`, carriedEnvKeys: ['PATH'] });
    expect((await docker.getImage(`${repo}:v1`).inspect()).Comment).toBe('keep what I did');

    const second = await run({ image: `${repo}:v1`, pull: 'never', cmd: undefined });
    await until(async () => !(await state(second.id)).running, 'the committed image to run', { ignoreErrors: true });
    const logs = await call(`/${second.id}/logs`);
    expect(logs.body).toEqual([{ stream: 'stdout', line: 'kept' }]);
    expectProblem(await call(`/${id}/commit`, { method: 'POST', body: { repo: 'Upper/Case' } }), 400, 'VALIDATION_FAILED');
  });

  it('runs a one-shot exec: exit code, both streams, a cap, a timeout', async () => {
    const { id } = await run({ cmd: ['sleep', '300'] });
    const three = await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] } });
    expect(three.status).toBe(200);
    expect(three.body).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false, timedOut: false });

    const env = await call(`/${id}/exec`, {
      method: 'POST',
      body: { cmd: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u)"'], env: ['GREETING=hi'], workingDir: '/tmp', user: '65534' },
    });
    expect(env.body.stdout).toBe('hi from /tmp as 65534\n');

    // 100 kB of output against a 4 kB cap: the command still runs to its end.
    const big = await call(`/${id}/exec`, {
      method: 'POST',
      body: { cmd: ['sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" x; echo done >&2'] },
    });
    expect(big.body).toMatchObject({ exitCode: 0, truncated: true, timedOut: false, stderr: 'done\n' });
    expect(big.body.stdout).toBe('x'.repeat(4096));

    const slow = await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['sh', '-c', 'sleep 60; echo never'], timeoutMs: 500 } });
    expect(slow.body).toMatchObject({ timedOut: true, exitCode: 137, stdout: '' });
    const top = await call(`/${id}/top`);
    expect(top.body.titles).toContain('PID');
    expect(top.body.processes.map((p: string[]) => p.join(' ')).join('\n')).not.toContain('sleep 60');

    expectProblem(await call(`/${id}/exec`, { method: 'POST', body: { cmd: [] } }), 400, 'VALIDATION_FAILED');
    await call(`/${id}/stop?timeout=0`, { method: 'POST' });
    expectProblem(await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['true'] } }), 409, 'CONTAINER_NOT_RUNNING');
  });

  it('runs a one-shot exec in an image without sh, where a timeout cannot kill it', async () => {
    // An image with nothing but busybox under its own name: no `sh` for Berth's killable wrapper.
    const root = mkdtempSync(join(tmpdir(), 'berth-nosh-'));
    copyFileSync('/bin/busybox', join(root, 'busybox'));
    const tar = spawn('tar', ['-C', root, '-c', 'busybox'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const image = `berth-test/nosh-${runId}:1`;
    const imported = await docker.importImage(tar.stdout, {
      repo: `berth-test/nosh-${runId}`,
      tag: '1',
      changes: [`LABEL berth.test=1 berth.test.run=${runId}`],
    } as never);
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(imported as unknown as NodeJS.ReadableStream, (error) => (error ? reject(error) : resolve(undefined))),
    );

    const { id } = await run({ image, pull: 'never', cmd: ['/busybox', 'sleep', '300'] });
    const echo = await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['/busybox', 'echo', 'no shell needed'] } });
    expect(echo.body).toEqual({ exitCode: 0, stdout: 'no shell needed\n', stderr: '', truncated: false, timedOut: false });
    const slow = await call(`/${id}/exec`, { method: 'POST', body: { cmd: ['/busybox', 'sleep', '30'], timeoutMs: 300 } });
    expect(slow.body).toMatchObject({ timedOut: true, exitCode: null });
  });

  it('answers a stats sample the way docker stats computes it', async () => {
    const { id } = await run({ cmd: ['sh', '-c', 'while :; do :; done'], memoryBytes: 64 * 1024 * 1024 });
    // Polled: one sample on a busy machine may catch the loop before it has had its share of a CPU.
    const stats = await until(
      async () => {
        const sample = await call(`/${id}/stats`);
        return sample.body.cpuPercent > 5 && sample;
      },
      'the busy loop to show in cpuPercent',
      { ignoreErrors: true },
    );
    expect(stats.status).toBe(200);
    expect(stats.body.memory.limitBytes).toBe(64 * 1024 * 1024);
    expect(stats.body.memory.usageBytes).toBeGreaterThan(0);
    expect(stats.body.pids).toBe(1);
    expect(stats.body).toMatchObject({
      network: { rxBytes: expect.any(Number), txBytes: expect.any(Number) },
      blockIo: { readBytes: expect.any(Number), writeBytes: expect.any(Number) },
    });
  });

  it('gives a logs snapshot: tail, streams, timestamps, plain text download', async () => {
    // The engine copies stdout and stderr separately: a pause makes the order of the two streams certain.
    const { id, name } = await run({ cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done; sleep 0.3; echo oops >&2'] });
    await until(async () => !(await state(id)).running, 'the container to exit', { ignoreErrors: true });

    const all = await call(`/${id}/logs`);
    expect(all.headers.get('content-type')).toMatch(/^application\/json/);
    expect(all.body).toHaveLength(6);
    expect(all.body).toContainEqual({ stream: 'stderr', line: 'oops' });

    const lastTwo = await call(`/${id}/logs?tail=2`);
    expect(lastTwo.body).toEqual([
      { stream: 'stdout', line: 'line 5' },
      { stream: 'stderr', line: 'oops' },
    ]);
    // As `docker logs --tail`, the tail is taken before the stream filter.
    expect((await call(`/${id}/logs?tail=2&stderr=false`)).body).toEqual([{ stream: 'stdout', line: 'line 5' }]);
    expect((await call(`/${id}/logs?stdout=false`)).body).toEqual([{ stream: 'stderr', line: 'oops' }]);

    const stamped = await call(`/${id}/logs?tail=2&stderr=false&timestamps=true`);
    expect(stamped.body).toEqual([{ stream: 'stdout', ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), line: 'line 5' }]);
    expect((await call(`/${id}/logs?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).body).toEqual([]);
    expect((await call(`/${id}/logs?until=1`)).body).toEqual([]);
    expect((await call(`/${id}/logs?since=1h&stderr=false`)).body).toHaveLength(5);

    const text = await call(`/${id}/logs?stderr=false`, { headers: { accept: 'text/plain' } });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.headers.get('content-disposition')).toBe(`attachment; filename="${name}-logs.txt"`);
    expect(text.body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');

    const ndjson = await call(`/${id}/logs?tail=2&stderr=false`, { headers: { accept: 'application/x-ndjson' } });
    expect(ndjson.text).toBe('{"stream":"stdout","line":"line 5"}\n');

    expectProblem(await call(`/${id}/logs?tail=-1`), 400, 'VALIDATION_FAILED');
    expectProblem(await call(`/${id}/logs?since=yesterday`), 400, 'VALIDATION_FAILED');
    expectProblem(await call(`/${id}/logs`, { headers: { accept: 'image/png' } }), 406, 'NOT_ACCEPTABLE');
    expectProblem(await call('/no-such-container-here/logs'), 404, 'CONTAINER_NOT_FOUND');
  });

  it('streams a large log without holding it in memory: Berth reads the engine only as fast as the client reads', async () => {
    // 96 MiB of 1 KiB lines. Were it buffered, Berth would pull all of it from the engine while the client reads nothing.
    const size = 100663296;
    const { id } = await run({ cmd: ['sh', '-c', `head -c ${size} /dev/zero | tr "\\0" x | fold -w 1023`] });
    await until(async () => !(await state(id)).running, 'the log to be written', { ignoreErrors: true, timeoutMs: 120_000 });
    const link = new EngineLink();
    await link.up();
    const linked = await startBerth({ env: { DOCKER_HOST: `unix://${link.path}` } });
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(
          `${linked.url}${base}/${id}/logs?tail=all`,
          { headers: { accept: 'text/plain', authorization: `Bearer ${linked.token}` } },
          resolve,
        ).on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      // Read one chunk, then nothing: what Berth pulls from the engine must level off far below the log's size.
      let bytes = 0;
      await new Promise<void>((resolve) =>
        response.once('data', (chunk: Buffer) => {
          bytes += chunk.length;
          response.pause(); // here, not after an await: a flowing stream emits on within the same tick
          resolve();
        }),
      );
      const levelled = await until(
        async () => {
          const seen: number[] = [];
          for (let poll = 0; poll < 5; poll++, await sleep(200)) seen.push(link.fromEngine);
          return seen.every((value) => value === seen[0]) && seen[0];
        },
        'Berth to stop pulling from the engine',
        { timeoutMs: 60_000 },
      );
      expect(levelled).toBeLessThan(size / 2);
      for await (const chunk of response) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(size + Math.ceil(size / 1023));
      expect(link.fromEngine).toBeGreaterThan(size);
    } finally {
      await linked.stop();
      await link.down();
    }
  }, 180_000);

  describe('the errors users meet in the tutorials', () => {
    it('409 NAME_CONFLICT for the same name twice', async () => {
      const name = uniqueName('twice');
      await run({ name, cmd: ['sleep', '300'], start: false });
      expectProblem(await call('', { method: 'POST', body: { image: TEST_IMAGE, name, labels } }), 409, 'NAME_CONFLICT');
    });

    it('409 PORT_ALLOCATED for a host port already published, leaving no half-created container', async () => {
      const hostPort = await freePort();
      await run({ cmd: ['sleep', '300'], ports: [{ containerPort: 80, hostPort }] });
      const name = uniqueName('second');
      const second = await call('', {
        method: 'POST',
        body: { image: TEST_IMAGE, name, labels, cmd: ['sleep', '300'], ports: [{ containerPort: 80, hostPort }], start: true },
      });
      expectProblem(second, 409, 'PORT_ALLOCATED');
      expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
    });

    it('409 CONTAINER_RUNNING to remove a running container without force; force and volumes remove it', async () => {
      const { id } = await run({ cmd: ['sleep', '300'], binds: ['/data'] });
      expectProblem(await call(`/${id}`, { method: 'DELETE' }), 409, 'CONTAINER_RUNNING');
      const volume = (await docker.getContainer(id).inspect()).Mounts[0].Name!;
      expect((await call(`/${id}?force=true&volumes=true`, { method: 'DELETE' })).status).toBe(204);
      expectProblem(await call(`/${id}`), 404, 'CONTAINER_NOT_FOUND');
      await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expectProblem(await call(`/${id}`, { method: 'DELETE' }), 404, 'CONTAINER_NOT_FOUND');
    });

    it('404 for an unknown container on every route', async () => {
      for (const [method, path] of [
        ['GET', '/nope-not-here'],
        ['POST', '/nope-not-here/start'],
        ['POST', '/nope-not-here/stop'],
        ['GET', '/nope-not-here/stats'],
        ['GET', '/nope-not-here/top'],
        ['POST', '/nope-not-here/pause'],
        ['DELETE', '/nope-not-here'],
        ['GET', '/bad%20ref'],
      ]) {
        expectProblem(await call(path, { method }), 404, 'CONTAINER_NOT_FOUND');
      }
      expectProblem(await api(berth.url, '/api/v1/hosts/elsewhere/containers', { token: berth.token }), 404, 'HOST_NOT_FOUND');
    });

    it('404 IMAGE_NOT_FOUND for an absent image with pull: never', async () => {
      const response = await call('', { method: 'POST', body: { image: `berth-test/absent-${runId}:1`, pull: 'never', labels } });
      expectProblem(response, 404, 'IMAGE_NOT_FOUND');
    });

    it('pulls a missing image before creating, and says why when the registry refuses', async () => {
      // No credentials are stored for the test registry in this Berth, so it refuses the pull.
      const image = `${registryCredentials().address}/berth-test/absent-${runId}:1`;
      const response = await call('', { method: 'POST', body: { image, labels } });
      expectProblem(response, 502, 'REGISTRY_AUTH_FAILED');
    });

    it('400 with field errors for a malformed body', async () => {
      const response = await call('', {
        method: 'POST',
        body: {
          image: TEST_IMAGE,
          name: '-bad',
          ports: [{ containerPort: 70000, protocol: 'icmp' }],
          binds: ['relative/path:/data'],
          mounts: [{ type: 'bind', source: 'rel', target: '/x' }],
          env: ['NOVALUE'],
          workingDir: 'tmp',
          restartPolicy: { name: 'sometimes' },
          pull: 'perhaps',
          surprise: true,
        },
      });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'name',
          'ports[0].containerPort',
          'ports[0].protocol',
          'binds',
          'env',
          'workingDir',
          'restartPolicy.name',
          'pull',
          'surprise',
        ]),
      );
      const conflict = await call('', {
        method: 'POST',
        body: {
          image: TEST_IMAGE,
          autoRemove: true,
          restartPolicy: { name: 'always' },
          mounts: [{ type: 'bind', source: 'rel', target: '/x' }],
        },
      });
      expectProblem(conflict, 400, 'VALIDATION_FAILED');
      expect(conflict.body.errors.map((e: { field: string }) => e.field)).toEqual(['restartPolicy', 'mounts[0].source']);
      const broken = await api(berth.url, base, { method: 'POST', body: '{"image":', token: berth.token });
      expect(broken.status).toBe(400);
      expect(await docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`], name: ['-bad'] } })).toEqual([]);
    });
  });
});
