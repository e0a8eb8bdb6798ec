import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBerth } from '../scripts/berth-process.mjs';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, tlsTestEngine, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { logLines, openWs, refusalOf, wsUrl } from './support/ws.js';

// The second engine of scripts/test-engine.sh: --tlsverify on tcp://10.231.0.2:2376, in its own network namespace.
const engine = tlsTestEngine();
const runId = newRunId();
const tlsEnv = (certPath: string) => ({ DOCKER_HOST: engine.dockerHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath });
const containers = '/api/v1/hosts/local/containers';

const frameOf = (channel: number, text: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
const channelText = (frames: Array<string | Buffer>, channel: number) =>
  frames
    .filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === channel)
    .map((f) => f.subarray(1).toString())
    .join('');

/** Whether the first engine knows a container: it must never hear of the TLS engine's. */
const onFirstEngine = (id: string) =>
  docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      (error: { statusCode?: number }) => {
        if (error.statusCode === 404) return false;
        throw error;
      },
    );

describe('an engine over TLS from DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
  let berth: BerthProcess;
  let token: string;
  let id: string;

  beforeAll(async () => {
    berth = await startBerth({ env: tlsEnv(engine.certPaths.client) });
    token = berth.token;
    const created = await api(berth.url, containers, {
      method: 'POST',
      token,
      body: {
        image: TEST_IMAGE,
        name: uniqueName('tls'),
        cmd: ['sh', '-c', 'echo out-$((40+2)); echo err-$((6*7)) >&2; exec sleep 3600'],
        labels: testLabels(runId),
        start: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    id = created.body.id;
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId, engine.docker);
    await removeTestResources(runId);
  });

  it('runs the container on the TLS engine and never on the first one', async () => {
    expect((await engine.docker.getContainer(id).inspect()).State.Running).toBe(true);
    expect(await onFirstEngine(id)).toBe(false);
    const onTls = await engine.docker.listContainers({ filters: { label: [`berth.test.run=${runId}`] } });
    const onFirst = await docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`] } });
    expect(onTls.map((c) => c.Id)).toEqual([id]);
    expect(onFirst).toEqual([]);
    expect(berth.output()).not.toMatch(/reachable unauthenticated/);
  });

  it('lists and inspects it', async () => {
    const list = await api(berth.url, `${containers}?all=true`, { token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(id);
    const inspect = await api(berth.url, `${containers}/${id}`, { token });
    expect([inspect.status, inspect.body.id]).toEqual([200, id]);
  });

  it('answers its logs over REST (rawGet over TLS)', async () => {
    let lines: Array<{ stream: string; line: string }> = [];
    await until(async () => {
      lines = (await api(berth.url, `${containers}/${id}/logs`, { token })).body;
      return Array.isArray(lines) && lines.length >= 2;
    }, 'two log lines');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', line: 'out-42' }),
        expect.objectContaining({ stream: 'stderr', line: 'err-42' }),
      ]),
    );
  });

  it('follows its logs over WebSocket', async () => {
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: id }), { token });
    await socket.until((frames) => logLines(frames).some((l) => l.line === 'err-42'));
    // stdout and stderr reach the engine through two pipes: their order is not certain.
    expect(
      logLines(socket.frames)
        .map((l) => l.line)
        .sort(),
    ).toEqual(['err-42', 'out-42']);
    await engine.docker
      .getContainer(id)
      .exec({ Cmd: ['sh', '-c', 'echo later > /proc/1/fd/1'] })
      .then((e) => e.start({ Detach: true } as never));
    await socket.until((frames) => logLines(frames).some((l) => l.line === 'later'));
    socket.ws.close();
  });

  it('runs an interactive exec over WebSocket (a hijacked TLS connection)', async () => {
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: id, cmd: 'sh' }), { token });
    socket.ws.send(frameOf(0, 'echo tls-$((1+1)); echo bad >&2; exit 3\n'));
    expect((await socket.closed).code).toBe(1000);
    expect(channelText(socket.frames, 1)).toBe('tls-2\n');
    expect(channelText(socket.frames, 2)).toBe('bad\n');
    expect(JSON.parse(channelText(socket.frames, 3))).toEqual({ exitCode: 3 });
  });

  it('resizes a TTY exec over TLS', async () => {
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: id, cmd: 'sh', tty: true }), { token });
    socket.ws.send(frameOf(4, JSON.stringify({ Width: 101, Height: 33 })));
    socket.ws.send(frameOf(0, 'stty size; exit\n'));
    expect((await socket.closed).code).toBe(1000);
    expect(channelText(socket.frames, 1)).toMatch(/33 101/);
  });

  it('attaches to a shell started -it over TLS, types into it and detaches with Ctrl-P Ctrl-Q', async () => {
    const created = await api(berth.url, containers, {
      method: 'POST',
      token,
      body: {
        image: TEST_IMAGE,
        name: uniqueName('tls-attach'),
        cmd: ['sh'],
        tty: true,
        openStdin: true,
        labels: testLabels(runId),
        start: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/attach', { container: created.body.id }), { token });
    socket.ws.send(frameOf(0, 'echo tls-attached-$((2+3))\n'));
    await socket.until((frames) => channelText(frames, 1).includes('tls-attached-5'));
    socket.ws.send(frameOf(0, Buffer.from([0x10, 0x11])));
    expect((await socket.closed).code).toBe(1000);
    expect(JSON.parse(channelText(socket.frames, 3))).toEqual({ detached: true });
    expect((await engine.docker.getContainer(created.body.id).inspect()).State.Running).toBe(true);
  });

  it('runs a one-shot exec over REST', async () => {
    const response = await api(berth.url, `${containers}/${id}/exec`, {
      method: 'POST',
      token,
      body: { cmd: ['sh', '-c', 'echo rest-$((2+3))'] },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ exitCode: 0, stdout: 'rest-5\n', stderr: '' });
  });

  it('streams events and stats over WebSocket', async () => {
    const events = await openWs(wsUrl(berth.url, '/api/v1/ws/events'), { token });
    const other = await api(berth.url, containers, {
      method: 'POST',
      token,
      body: { image: TEST_IMAGE, name: uniqueName('tls-ev'), cmd: ['sleep', '3600'], labels: testLabels(runId), start: true },
    });
    expect(other.status, other.text).toBe(201);
    const parsed = () => events.frames.map((f) => JSON.parse(String(f)));
    await events.until(() => parsed().some((e) => e.type === 'container' && e.action === 'start' && e.actor.id === other.body.id));
    events.ws.close();
    expect(await onFirstEngine(other.body.id)).toBe(false);

    const stats = await openWs(wsUrl(berth.url, '/api/v1/ws/stats', { container: id }), { token });
    await stats.until((frames) => frames.length >= 1);
    expect(JSON.parse(String(stats.frames[0]))).toMatchObject({
      cpuPercent: expect.any(Number),
      memory: { usageBytes: expect.any(Number) },
    });
    stats.ws.close();
  });

  it('is ready: /readyz checks the TLS engine', async () => {
    const ready = await api(berth.url, '/readyz');
    expect([ready.status, ready.body.checks['host:local']]).toEqual([200, 'ok']);
  });
});

describe('a TLS engine Berth cannot trust, or that does not trust Berth', () => {
  const refusedWith = async (env: Record<string, string>, reason: RegExp) => {
    const berth = await startBerth({ env });
    try {
      const list = await api(berth.url, containers, { token: berth.token });
      expectProblem(list, 503, 'ENGINE_UNAVAILABLE');
      expect(list.body.detail).toMatch(reason);
      expect(list.body.detail).not.toMatch(/cannot connect|no answer/);
      const ready = await api(berth.url, '/readyz');
      expectProblem(ready, 503, 'ENGINE_UNAVAILABLE');
      expect(ready.body.checks['host:local']).toMatch(reason);
      const [host] = (await api(berth.url, '/api/v1/hosts', { token: berth.token })).body;
      expect(host).toMatchObject({ id: 'local', status: { state: 'down', reason: expect.stringMatching(reason) } });
      // Streams learn it before the upgrade, as the same 503.
      const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/logs', { container: 'berth-test-any' }), { token: berth.token });
      expect([refusal.status, refusal.body.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
      expect(refusal.body.detail).toMatch(reason);
      return berth.output();
    } finally {
      await berth.stop();
    }
  };

  it('answers 503 naming TLS when the engine is not signed by our CA (wrong ca.pem)', async () => {
    await refusedWith(tlsEnv(engine.certPaths.wrongCa), /TLS: the engine's certificate is not signed by the CA in ca\.pem/);
  });

  it('answers 503 naming TLS when the engine refuses our client certificate', async () => {
    await refusedWith(tlsEnv(engine.certPaths.untrustedClient), /TLS: the engine refused our client certificate/);
  });

  it.skipIf(!engine.certPaths.expiredClient)('answers 503 naming TLS when our client certificate has expired', async () => {
    await refusedWith(tlsEnv(engine.certPaths.expiredClient!), /TLS: the engine refused our client certificate/);
  });

  it('answers 503 naming TLS when plain HTTP meets the TLS engine, and warns at start that tcp:// is unauthenticated', async () => {
    const output = await refusedWith({ DOCKER_HOST: engine.dockerHost }, /TLS: the engine speaks only TLS/);
    expect(output).toMatch(/plain HTTP: the engine is reachable unauthenticated/);
  });

  it('does not start when a certificate file is missing, and names the file', async () => {
    const launch = launchBerth({ env: tlsEnv('/nonexistent/berth-certs') });
    await expect(launch).rejects.toThrow(/cannot read \/nonexistent\/berth-certs\/ca\.pem \(ENOENT\)/);
  });
});
