import { execFileSync } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, openRegistryAddress, removeTestResources } from './support/engine.js';
import { ApiResponse, api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { openWs, wsUrl } from './support/ws.js';

const FINISHED = ['succeeded', 'failed', 'canceled'];
/** The context cap of this file's Berth: small, so that 413 needs no large upload. */
const CONTEXT_CAP = 64 * 1024;

/** A tar (or tar.gz) of `files`, made by the system's tar: not by Berth's own tar maker. */
function tarOf(files: Record<string, string>, gzip = false): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-context-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return execFileSync('tar', [gzip ? '-czf' : '-cf', '-', '-C', dir, '.'], { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tagExists(ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** An HTTP server the build's RUN asks (over the bridge network) and that holds each request until `release()`. */
/**
 * The host's address on the default bridge, where a build's RUN reaches a server of the test. An engine that
 * created docker0 itself may list the subnet only: the gateway is then its first address, as the engine gives it.
 */
function bridgeGateway(config: { Gateway?: string; Subnet?: string } | undefined): string {
  if (config?.Gateway) return config.Gateway;
  const network = /^(\d+\.\d+\.\d+)\.(\d+)\/\d+$/.exec(config?.Subnet ?? '');
  if (!network) throw new Error(`the bridge network names no gateway and no IPv4 subnet: ${JSON.stringify(config)}`);
  return `${network[1]}.${Number(network[2]) + 1}`;
}

async function holdingServer(): Promise<{ port: number; held: () => number; release: () => void; close: () => Promise<void> }> {
  const waiting: ServerResponse[] = [];
  let released = false;
  const server = createServer((_request, response) => (released ? response.end('go\n') : waiting.push(response)));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held: () => waiting.length,
    release: () => {
      released = true;
      for (const response of waiting.splice(0)) response.end('go\n');
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('image build and push as jobs, on the real engine', () => {
  let berth: BerthProcess;
  let operator: string;
  const runId = newRunId();
  const repo = `berth-test/e2e-build-${runId}`;
  const labelQuery = `label=berth.test%3D1&label=berth.test.run%3D${runId}`;
  const labels = { 'berth.test': '1', 'berth.test.run': runId };

  const upload = (query: string, body: Buffer | ReadableStream<Uint8Array>, contentType: string, token = operator) =>
    fetch(`${berth.url}/api/v1/hosts/local/images/build?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit).then(async (response): Promise<ApiResponse> => {
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : text, text };
    });

  const finished = (id: string) =>
    until(
      async () => {
        const job = await api(berth.url, `/api/v1/jobs/${id}`, { token: operator });
        return FINISHED.includes(job.body.status) && job.body;
      },
      `job ${id} to finish`,
      { timeoutMs: 120_000 },
    );

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_BUILD_CONTEXT_MAX_BYTES: String(CONTEXT_CAP) } });
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('builds from an inline Dockerfile and files (JSON), ?wait=true answering the finished job', async () => {
    const tag = `${repo}:json`;
    const response = await api(berth.url, '/api/v1/hosts/local/images/build?wait=true', {
      method: 'POST',
      token: operator,
      body: {
        dockerfile: `FROM ${TEST_IMAGE}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n`,
        files: { 'hello.txt': 'hello from json ü\n' },
        tags: [tag],
        labels,
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      kind: 'build',
      status: 'succeeded',
      result: { id: expect.stringMatching(/^sha256:/), tags: [tag] },
    });
    const image = await docker.getImage(tag).inspect();
    expect(image.Id).toBe(response.body.result.id);
    expect(image.Config.Labels).toMatchObject(labels);
    const events = await api(berth.url, `/api/v1/jobs/${response.body.id}/events`, { token: operator });
    expect(events.body.items.filter((e: { type: string }) => e.type === 'output').map((e: { line: string }) => e.line)).toContain(
      'hello from json ü',
    );
  });

  it.each([
    ['tar', 'application/x-tar', false],
    ['tar.gz', 'application/gzip', true],
  ])('builds from a %s context (202 + Location, Dockerfile in a subdirectory, build args)', async (name, contentType, gzip) => {
    const tag = `${repo}:${name.replace('.', '-')}`;
    const context = tarOf(
      { 'build/Dockerfile': `FROM ${TEST_IMAGE}\nARG GREETING\nCOPY data.txt /data.txt\nRUN echo "$GREETING"\n`, 'data.txt': name },
      gzip,
    );
    const response = await upload(
      `tag=${encodeURIComponent(tag)}&dockerfile=build/Dockerfile&buildArg=GREETING%3Dhi-${name}&${labelQuery}`,
      context,
      contentType,
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/api/v1/jobs/${response.body.id}`);
    const job = await finished(response.body.id);
    expect(job).toMatchObject({ status: 'succeeded', result: { tags: [tag] } });
    expect((await docker.getImage(tag).inspect()).Id).toBe(job.result.id);
  });

  it('the WS jobs channel replays a running build, follows its output live, and closes 1000 once it succeeded', async () => {
    const gate = await holdingServer();
    try {
      const viewer = await credentialFor(berth, 'viewer');
      const gateway = bridgeGateway((await docker.getNetwork('bridge').inspect()).IPAM?.Config?.[0]);
      // Computed markers: the echoed lines, never the step's own text ("Step 2/2 : RUN echo before-$((40+2))...").
      const before = `before-42-${runId}`;
      const after = `after-42-${runId}`;
      const started = await api(berth.url, '/api/v1/hosts/local/images/build', {
        method: 'POST',
        token: operator,
        body: {
          dockerfile: `FROM ${TEST_IMAGE}\nRUN echo before-$((40+2))-${runId} && wget -q -O - http://${gateway}:${gate.port}/go && echo after-$((40+2))-${runId}\n`,
          tags: [`${repo}:ws`],
          labels,
          noCache: true,
        },
      });
      expect(started.status, started.text).toBe(202);
      const id: string = started.body.id;
      type Event = { type: string; line?: string; status?: string };
      const has = (events: Event[], marker: string) => events.some((event) => event.type === 'output' && event.line?.includes(marker));
      // The RUN has printed its first line and waits on the gate: the job runs, with events to replay.
      await until(() => gate.held() > 0, 'the RUN waiting on the gate', { timeoutMs: 60_000 });
      await until(
        async () => has((await api(berth.url, `/api/v1/jobs/${id}/events?limit=1000`, { token: viewer })).body.items, before),
        'the first line',
      );

      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/jobs', { id }), { token: viewer });
      const parsed = () => socket.frames.map((frame) => JSON.parse(String(frame)) as Event);
      await socket.until(() => has(parsed(), before));
      const replayed = socket.frames.length;
      expect(has(parsed(), after)).toBe(false);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);

      gate.release();
      expect(await socket.closed).toEqual({ code: 1000, reason: 'job succeeded' });
      const frames = parsed();
      expect(has(frames.slice(replayed), after), JSON.stringify(frames.slice(replayed))).toBe(true);
      expect(frames.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
      // Replay and live together are the job's log, in order, nothing lost or repeated.
      expect(frames).toEqual((await api(berth.url, `/api/v1/jobs/${id}/events?limit=1000`, { token: viewer })).body.items);
      expect((await api(berth.url, `/api/v1/jobs/${id}`, { token: viewer })).body.status).toBe('succeeded');
      expect(await tagExists(`${repo}:ws`)).toBe(true);
    } finally {
      gate.release();
      await gate.close();
    }
  });

  it("fails the job on a failing RUN, with the step's output in the error", async () => {
    const tag = `${repo}:broken`;
    const response = await api(berth.url, '/api/v1/hosts/local/images/build?wait=true', {
      method: 'POST',
      token: operator,
      body: { dockerfile: `FROM ${TEST_IMAGE}\nRUN echo step-output-before-failure && exit 3\n`, tags: [tag], labels },
    });
    expect(response.body.status).toBe('failed');
    expect(response.body.error).toContain('returned a non-zero code: 3');
    expect(response.body.error).toContain('step-output-before-failure');
    expect(await tagExists(tag)).toBe(false);
  });

  it('cancels a running build within 5 s and leaves no half-built tag', async () => {
    const tag = `${repo}:canceled`;
    const started = await api(berth.url, '/api/v1/hosts/local/images/build', {
      method: 'POST',
      token: operator,
      body: { dockerfile: `FROM ${TEST_IMAGE}\nRUN echo sleeping && sleep 30\n`, tags: [tag], labels, noCache: true },
    });
    expect(started.status).toBe(202);
    const id = started.body.id;
    // Cancel once the RUN step is under way, not before the engine started.
    await until(async () => {
      const events = await api(berth.url, `/api/v1/jobs/${id}/events`, { token: operator });
      return events.body.items.some((e: { line?: string }) => e.line === 'sleeping');
    }, 'the build to reach its sleep');
    const asked = Date.now();
    const cancel = await api(berth.url, `/api/v1/jobs/${id}`, { method: 'DELETE', token: operator });
    expect(cancel.status).toBe(200);
    const job = await until(async () => {
      const current = await api(berth.url, `/api/v1/jobs/${id}`, { token: operator });
      return FINISHED.includes(current.body.status) && current.body;
    }, 'the canceled build');
    expect(job.status).toBe('canceled');
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(await tagExists(tag)).toBe(false);
    // And it stays so: the engine does not finish the build behind Berth's back.
    await until(
      async () =>
        (await docker.listContainers({ all: true, filters: { ancestor: [TEST_IMAGE], status: ['running'] } })).every(
          (c) => !c.Command.includes('sleep 30'),
        ),
      'the build container to go',
      { timeoutMs: 40_000 },
    );
    expect(await tagExists(tag)).toBe(false);
  });

  it('answers 415 for an unknown Content-Type, and builds nothing', async () => {
    const tag = `${repo}:415`;
    const response = await upload(`tag=${encodeURIComponent(tag)}`, Buffer.from('FROM busybox'), 'text/plain');
    expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await tagExists(tag)).toBe(false);
  });

  it('answers 413 for a context over the cap (declared or streamed without a length), and builds nothing', async () => {
    const tag = `${repo}:413`;
    const big = tarOf({ Dockerfile: `FROM ${TEST_IMAGE}\n`, 'big.bin': 'x'.repeat(CONTEXT_CAP * 2) });
    expectProblem(await upload(`tag=${encodeURIComponent(tag)}&${labelQuery}`, big, 'application/x-tar'), 413, 'PAYLOAD_TOO_LARGE');
    // Chunked: no Content-Length to refuse early, the bytes are counted as they come.
    const chunks = [big.subarray(0, 1024), big.subarray(1024)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    expectProblem(await upload(`tag=${encodeURIComponent(tag)}&${labelQuery}`, stream, 'application/x-tar'), 413, 'PAYLOAD_TOO_LARGE');
    expect(await tagExists(tag)).toBe(false);
  });

  it.each([
    ['a Dockerfile path outside the context', `tag=${'x'}&dockerfile=..%2FDockerfile`, 'dockerfile'],
    ['an absolute Dockerfile path', 'tag=x&dockerfile=%2Fetc%2Fpasswd', 'dockerfile'],
    ['a bad tag', 'tag=Bad%2FTag', 'tag'],
    ['no tag', 'dockerfile=Dockerfile', 'tag'],
    ['an option that reaches the host', 'tag=x&networkmode=host', 'networkmode'],
  ])('answers 400 for %s, naming it', async (_name, query, field) => {
    const response = await upload(query, tarOf({ Dockerfile: `FROM ${TEST_IMAGE}\n` }), 'application/x-tar');
    expectProblem(response, 400, 'VALIDATION_FAILED');
    // Refused before its body was read: the connection is not for reuse, and the client is told so (else a reset).
    expect(response.headers.get('connection')).toBe('close');
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it.each([
    ['a file path outside the context', { files: { '../escape': 'x' } }, 'files'],
    ['an absolute file path', { files: { '/etc/cron.d/x': 'x' } }, 'files'],
    ['a bad tag', { tags: ['UPPER:1'] }, 'tags'],
    ['extra hosts', { extrahosts: 'a:1.2.3.4' }, 'extrahosts'],
  ])('answers 400 for a JSON build with %s', async (_name, change, field) => {
    const body = { dockerfile: `FROM ${TEST_IMAGE}\n`, tags: [`${repo}:bad`], ...change };
    const response = await api(berth.url, '/api/v1/hosts/local/images/build', { method: 'POST', token: operator, body });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('refuses a viewer (403), build and push alike', async () => {
    const viewer = await credentialFor(berth, 'viewer');
    const tag = `${repo}:viewer`;
    expectProblem(
      await upload(`tag=${encodeURIComponent(tag)}`, tarOf({ Dockerfile: `FROM ${TEST_IMAGE}\n` }), 'application/x-tar', viewer),
      403,
      'FORBIDDEN',
    );
    const json = await api(berth.url, '/api/v1/hosts/local/images/build', {
      method: 'POST',
      token: viewer,
      body: { dockerfile: `FROM ${TEST_IMAGE}\n`, tags: [tag] },
    });
    expectProblem(json, 403, 'FORBIDDEN');
    const push = await api(berth.url, `/api/v1/hosts/local/images/${encodeURIComponent(TEST_IMAGE)}/push`, {
      method: 'POST',
      token: viewer,
      body: {},
    });
    expectProblem(push, 403, 'FORBIDDEN');
    expect(await tagExists(tag)).toBe(false);
  });

  describe('push to a registry', () => {
    // The harness's anonymous registry: the htpasswd one needs credentials Berth cannot store yet (the registries issue).
    let address: string;

    beforeAll(() => {
      address = openRegistryAddress();
    });

    it('pushes one tag as a job whose progress ends at 100 %, answering the digest', async () => {
      const built = await api(berth.url, '/api/v1/hosts/local/images/build?wait=true', {
        method: 'POST',
        token: operator,
        body: { dockerfile: `FROM ${TEST_IMAGE}\nRUN echo ${runId} > /run-id\n`, tags: [`${address}/${repo}:push`], labels },
      });
      expect(built.body.status).toBe('succeeded');
      const ref = encodeURIComponent(`${address}/${repo}:push`);
      const started = await api(berth.url, `/api/v1/hosts/local/images/${ref}/push`, { method: 'POST', token: operator, body: {} });
      expect(started.status).toBe(202);
      const job = await finished(started.body.id);
      expect(job).toMatchObject({
        kind: 'push',
        status: 'succeeded',
        target: `${address}/${repo}:push`,
        result: { digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) },
      });
      expect(job.progress.percent).toBe(100);
      expect(job.progress.layers.length).toBeGreaterThan(0);
      const manifest = await fetch(`http://${address}/v2/${repo}/manifests/push`, {
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      expect(manifest.headers.get('docker-content-digest')).toBe(job.result.digest);
    });

    it.each([
      ['an image id', 'sha256:' + 'a'.repeat(64)],
      ['a digest reference', `busybox@sha256:${'a'.repeat(64)}`],
      ['an uppercase name', 'Busybox:latest'],
    ])('refuses to push %s (400 naming ref): a push names a repository and one tag', async (_name, ref) => {
      const response = await api(berth.url, `/api/v1/hosts/local/images/${encodeURIComponent(ref)}/push`, {
        method: 'POST',
        token: operator,
        body: {},
      });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'ref' })]);
    });

    it('answers 404 for a tag the image lacks, and starts no job', async () => {
      const ref = encodeURIComponent(`${address}/${repo}:push`);
      const response = await api(berth.url, `/api/v1/hosts/local/images/${ref}/push`, {
        method: 'POST',
        token: operator,
        body: { tag: 'nope' },
      });
      expectProblem(response, 404, 'IMAGE_NOT_FOUND');
    });
  });
});
