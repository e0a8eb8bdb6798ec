import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { freePort } from './support/ports.js';

const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';

/** A host port nobody listens on right now. */
/** The containers of this run with this name: what a refused create must not have left behind. */
const named = (name: string) => docker.listContainers({ all: true, filters: { label: [`berth.test.run=${runId}`], name: [name] } });

describe('Docker habits on the real engine: -p strings, shell command lines, stop -t, JSON content type', () => {
  let berth: BerthProcess;
  const call = (path: string, request: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    api(berth.url, `${base}${path}`, { ...request, token: berth.token });
  const create = (body: Record<string, unknown>) => call('', { method: 'POST', body: { image: TEST_IMAGE, labels, ...body } });
  const engineConfig = (id: string) => docker.getContainer(id).inspect();

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  describe('ports as docker run -p strings', () => {
    it('publishes strings and objects mixed, and the web server answers on the string-published port', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const created = await create({
        name: uniqueName('habits-web'),
        cmd: 'httpd -f -p 80 -h /var/www',
        ports: [`127.0.0.1:${p1}:80`, { containerPort: 80, hostPort: p2 }, '127.0.0.1::81/udp'],
        start: true,
      });
      expect(created.status, created.text).toBe(201);
      const page = await until(
        async () => {
          const response = await fetch(`http://127.0.0.1:${p1}/`);
          return response.ok && (await response.text());
        },
        'the page on the string-published port',
        { ignoreErrors: true },
      );
      expect(page).toContain('hello from berth-test');
      const { HostConfig } = await engineConfig(created.body.id);
      expect(HostConfig.PortBindings).toEqual({
        '80/tcp': [
          { HostIp: '127.0.0.1', HostPort: String(p1) },
          { HostIp: '', HostPort: String(p2) },
        ],
        '81/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      });
    });

    it('sends IPv6 addresses and equal ranges to the engine as docker run -p does', async () => {
      const created = await create({
        name: uniqueName('habits-ranges'),
        cmd: ['sleep', '300'],
        ports: ['[::1]:18081:80', '18000-18001:90-91/udp', '7000'],
      });
      expect(created.status, created.text).toBe(201);
      const { HostConfig, Config } = await engineConfig(created.body.id);
      expect(HostConfig.PortBindings).toEqual({
        '80/tcp': [{ HostIp: '::1', HostPort: '18081' }],
        '90/udp': [{ HostIp: '', HostPort: '18000' }],
        '91/udp': [{ HostIp: '', HostPort: '18001' }],
        '7000/tcp': [{ HostIp: '', HostPort: '' }],
      });
      expect(Object.keys(Config.ExposedPorts ?? {}).sort()).toEqual(['7000/tcp', '80/tcp', '90/udp', '91/udp']);
    });

    it('400 VALIDATION_FAILED naming a bad string, and nothing is created', async () => {
      const name = uniqueName('habits-badport');
      const response = await create({ name, ports: ['8081:80', 'localhost:8081:80', '8000-8002:80-81'] });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([
        { field: 'ports[1]', message: expect.stringContaining('"localhost:8081:80" is not a -p port mapping') },
        { field: 'ports[2]', message: expect.stringContaining('same length') },
      ]);
      expect(await named(name)).toEqual([]);
    });
  });

  describe('cmd and entrypoint as shell command lines', () => {
    it('splits like a shell and expands nothing: $HOME reaches the container shell as written', async () => {
      const created = await create({ name: uniqueName('habits-cmd'), cmd: `sh -c 'echo "home=$HOME"; echo two'`, start: true });
      expect(created.status, created.text).toBe(201);
      expect((await engineConfig(created.body.id)).Config.Cmd).toEqual(['sh', '-c', 'echo "home=$HOME"; echo two']);
      const lines = await until(async () => {
        const logs = await call(`/${created.body.id}/logs`);
        return logs.body.length >= 2 && (logs.body as Array<{ line: string }>).map((l) => l.line);
      }, 'the two lines');
      expect(lines).toEqual(['home=/root', 'two']);

      const viaEntrypoint = await create({
        name: uniqueName('habits-ep'),
        entrypoint: 'sh -c',
        cmd: `'echo from entrypoint'`,
        start: true,
      });
      expect(viaEntrypoint.status, viaEntrypoint.text).toBe(201);
      const config = (await engineConfig(viaEntrypoint.body.id)).Config;
      expect([config.Entrypoint, config.Cmd]).toEqual([['sh', '-c'], ['echo from entrypoint']]);
      await until(async () => (await call(`/${viaEntrypoint.body.id}/logs`)).body[0]?.line === 'from entrypoint', 'the entrypoint line');
    });

    it('400 for shell operators outside quotes, saying to quote them or use sh -c; nothing is created', async () => {
      const name = uniqueName('habits-pipe');
      const response = await create({ name, cmd: 'ls / | wc -l' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([
        { field: 'cmd', message: expect.stringMatching(/\| is shell syntax.*\["sh", "-c", "\.\.\."\]/) },
      ]);
      expect(await named(name)).toEqual([]);
      expectProblem(await create({ entrypoint: 'sh -c "unclosed' }), 400, 'VALIDATION_FAILED');
    });

    it('takes a one-shot exec command line too', async () => {
      const created = await create({ cmd: 'sleep 300', start: true });
      expect(created.status, created.text).toBe(201);
      const exec = await call(`/${created.body.id}/exec`, { method: 'POST', body: { cmd: `sh -c 'echo "out $0"; exit 3'` } });
      expect(exec.status, exec.text).toBe(200);
      expect(exec.body).toMatchObject({ exitCode: 3, stdout: 'out sh\n' });
      const refused = await call(`/${created.body.id}/exec`, { method: 'POST', body: { cmd: 'echo a && touch /tmp/b' } });
      expectProblem(refused, 400, 'VALIDATION_FAILED');
      expect((await call(`/${created.body.id}/exec`, { method: 'POST', body: { cmd: ['ls', '/tmp/b'] } })).body.exitCode).not.toBe(0);
      expectProblem(await call(`/${created.body.id}/exec`, { method: 'POST', body: { cmd: '' } }), 400, 'VALIDATION_FAILED');
    });
  });

  it('stop and restart take t as docker stop -t does; t and timeout that disagree are a 400', async () => {
    // PID 1 has no default signal handlers: it ignores TERM, so only the SIGKILL after `t` stops it.
    const created = await create({ cmd: ['sh', '-c', 'while :; do sleep 0.1; done'], start: true });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const started = Date.now();
    expect((await call(`/${id}/stop?t=0`, { method: 'POST' })).status).toBe(204);
    // The engine's default would have waited 10 s before the SIGKILL.
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await engineConfig(id)).State).toMatchObject({ Running: false, ExitCode: 137 });
    expect((await call(`/${id}/restart?t=0`, { method: 'POST' })).status).toBe(204);
    expect((await engineConfig(id)).State.Running).toBe(true);
    const refused = await call(`/${id}/stop?t=1&timeout=2`, { method: 'POST' });
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 't', message: expect.stringContaining('alias of timeout') }]);
    expect((await engineConfig(id)).State.Running).toBe(true);
    expectProblem(await call(`/${id}/restart?t=soon`, { method: 'POST' }), 400, 'VALIDATION_FAILED');
    expect((await call(`/${id}/stop?t=0&timeout=0`, { method: 'POST' })).status).toBe(204);
  });

  describe('a JSON body needs Content-Type: application/json', () => {
    it('415 for a form body (curl -d) or text, and nothing is created', async () => {
      const name = uniqueName('habits-form');
      const body = JSON.stringify({ image: TEST_IMAGE, name, labels });
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const response = await call('', { method: 'POST', body, headers: { 'content-type': type } });
        expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect(response.body.detail).toContain('send Content-Type: application/json');
        expect(response.body.detail).toContain(type);
      }
      expect(await named(name)).toEqual([]);
      // Every route that takes JSON, login included.
      const login = await api(berth.url, '/api/v1/auth/login', {
        method: 'POST',
        body: 'username=admin&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(login, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('accepts application/json with a charset, and a POST without a body as before', async () => {
      const response = await call('', {
        method: 'POST',
        body: JSON.stringify({ image: TEST_IMAGE, labels, cmd: ['sleep', '300'] }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(response.status, response.text).toBe(201);
      expect((await call(`/${response.body.id}/start`, { method: 'POST' })).status).toBe(204);
    });
  });
});
