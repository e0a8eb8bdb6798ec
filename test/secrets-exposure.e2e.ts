import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, TestUser, auditEvents, createUser, login, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';
import { openWs, wsUrl } from './support/ws.js';

/**
 * Issue 8, findings 8, 10 and 11 (engine error text, host urls): what each role may read, and
 * that an interactive exec leaves an audit trail. Each test is the attack, run as a viewer or
 * an operator, and asserts it now fails.
 */
const runId = newRunId();
const labels = testLabels(runId);
const containers = '/api/v1/hosts/local/containers';
const SECRET = 's3cret-8f41';

/** Berth's JSON log lines so far. */
function logRecords(berth: BerthProcess): Array<Record<string, any>> {
  return berth
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        return {};
      }
    });
}

describe('secrets and audit trail per role (issue 8: findings 8, 10, 11)', () => {
  let berth: BerthProcess;
  let viewer: TestUser & { token: string };
  let operator: TestUser & { token: string };
  let containerId: string;
  let containerName: string;

  beforeAll(async () => {
    berth = await startBerth();
    const withToken = async (user: TestUser) => ({ ...user, token: await login(berth.url, user) });
    viewer = await withToken(await createUser(berth, 'viewer'));
    operator = await withToken(await createUser(berth, 'operator'));
    containerName = uniqueName('secrets');
    const created = await api(berth.url, containers, {
      method: 'POST',
      token: operator.token,
      body: {
        image: TEST_IMAGE,
        pull: 'never',
        name: containerName,
        labels,
        env: [`SECRET=${SECRET}`, 'MODE=test'],
        cmd: ['sleep', '600'],
        start: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    containerId = created.body.id;
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  describe('finding 10: viewers get secrets redacted', () => {
    it('inspect: a viewer finds no env value anywhere (raw included), keys kept; an operator sees them', async () => {
      const seen = await api(berth.url, `${containers}/${containerId}`, { token: viewer.token });
      expect(seen.status).toBe(200);
      expect(seen.text).not.toContain(SECRET);
      expect(seen.body.env).toEqual(expect.arrayContaining(['SECRET=<redacted>', 'MODE=<redacted>']));
      expect(seen.body.raw.Config.Env).toEqual(expect.arrayContaining(['SECRET=<redacted>', 'MODE=<redacted>']));

      const operatorView = await api(berth.url, `${containers}/${containerId}`, { token: operator.token });
      expect(operatorView.body.env).toContain(`SECRET=${SECRET}`);
      expect(operatorView.body.raw.Config.Env).toContain(`SECRET=${SECRET}`);
    });

    it('top: a viewer is refused ps options that print environments (403), default and safe options work', async () => {
      // The attack: `ps e` prints every process's environment, the secret included (as an operator still sees).
      const operatorTop = await api(berth.url, `${containers}/${containerId}/top?psArgs=aux%20e`, { token: operator.token });
      expect(operatorTop.status).toBe(200);
      expect(operatorTop.text).toContain(SECRET);

      for (const psArgs of ['e', 'aux e', 'auxe', '-o pid,environ', '-ef e']) {
        const refused = await api(berth.url, `${containers}/${containerId}/top?psArgs=${encodeURIComponent(psArgs)}`, {
          token: viewer.token,
        });
        expectProblem(refused, 403, 'FORBIDDEN');
        expect(refused.text).not.toContain(SECRET);
      }

      for (const query of ['', '?psArgs=-ef', '?psArgs=aux', `?psArgs=${encodeURIComponent('-o pid,comm')}`]) {
        const top = await api(berth.url, `${containers}/${containerId}/top${query}`, { token: viewer.token });
        expect(top.status, `${query}: ${top.text}`).toBe(200);
        expect(top.body.processes.some((row: string[]) => row.some((cell) => cell.includes('sleep')))).toBe(true);
        expect(top.text).not.toContain(SECRET);
      }
    });

    it('/ws/events: a viewer sees an exec with its executable but not its arguments; an operator sees all', async () => {
      const url = wsUrl(berth.url, '/api/v1/ws/events');
      const viewerSocket = await openWs(url, { token: viewer.token });
      const operatorSocket = await openWs(url, { token: operator.token });
      // Both sockets see the whole engine (other tests' events too): keep this container's exec events.
      const execEvents = (frames: Array<string | Buffer>) =>
        frames
          .map((frame) => JSON.parse(String(frame)))
          .filter((event) => event.actor?.id === containerId && String(event.action).startsWith('exec_'));
      const sawExecStart = (frames: Array<string | Buffer>) => execEvents(frames).some((event) => event.action.startsWith('exec_start'));
      try {
        // Sockets are subscribed once open; the exec (`docker exec`, by anyone) runs after both are.
        const exec = await docker.getContainer(containerId).exec({ Cmd: ['echo', `-p${SECRET}`] });
        await exec.start({ Detach: true } as never);
        await viewerSocket.until(sawExecStart);
        await operatorSocket.until(sawExecStart);

        const viewerEvents = execEvents(viewerSocket.frames);
        expect(viewerEvents.map((event) => event.action)).toEqual(
          expect.arrayContaining(['exec_create: echo <redacted>', 'exec_start: echo <redacted>']),
        );
        expect(JSON.stringify(viewerSocket.frames)).not.toContain(SECRET);
        expect(execEvents(operatorSocket.frames).map((event) => event.action)).toContain(`exec_create: echo -p${SECRET}`);
      } finally {
        viewerSocket.ws.close();
        operatorSocket.ws.close();
      }
    });
  });

  describe('finding 8: interactive exec is audited, streams are logged', () => {
    it('an operator runs `exit 3` in a WS exec: the audit log has the start (who, host, container, command, tty) and the end (exit code 3, duration)', async () => {
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: containerName, cmd: 'sh' }), { token: operator.token });
      socket.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('exit 3\n')]));
      expect((await socket.closed).code).toBe(1000);
      const status = socket.frames.find((frame): frame is Buffer => Buffer.isBuffer(frame) && frame[0] === 3);
      expect(JSON.parse(status!.subarray(1).toString())).toEqual({ exitCode: 3 });

      const [end] = await auditEvents(berth, `action=container.exec.end&target=${containerId}`, (items) => items.length > 0);
      expect(end).toMatchObject({
        actor: { kind: 'user', userId: operator.id, username: operator.username },
        targets: [containerId],
        status: 200,
        details: { host: 'local', containerId, containerName, ended: 'exited', exitCode: 3, closeCode: 1000 },
      });
      expect(end.durationMs).toEqual(expect.any(Number));
      const [start] = await auditEvents(
        berth,
        `action=container.exec.start&target=${containerId}&actor=${operator.username}`,
        (items) => items.length > 0,
      );
      expect(start).toMatchObject({
        actor: { kind: 'user', username: operator.username },
        targets: [containerId],
        status: 101,
        details: { host: 'local', containerId, containerName, cmd: ['sh'], tty: false },
      });
      expect(start.remoteAddress).toMatch(/127\.0\.0\.1/);
      expect(start.id).toBeLessThan(end.id);
    });

    it('the audit keeps a command with a password (admins only read it); the info log names only the executable', async () => {
      const cmd = ['sh', '-c', `echo -p${SECRET}-ws`];
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: containerId, cmd }), { token: operator.token });
      expect((await socket.closed).code).toBe(1000);
      const [start] = await auditEvents(berth, `action=container.exec.start&target=${containerId}`, (items) =>
        items.some((item) => JSON.stringify(item.details.cmd) === JSON.stringify(cmd)),
      );
      expect(start.actor.username).toBe(operator.username);
      await until(
        () => logRecords(berth).some((line) => line.msg === 'exec session ended' && line.username === operator.username),
        'the end log line',
      );
      const started = logRecords(berth).filter((line) => line.msg === 'exec session started' && line.username === operator.username);
      expect(started.at(-1)).toMatchObject({
        channel: 'exec',
        executable: 'sh',
        host: 'local',
        container: { id: containerId, name: containerName },
        userId: operator.id,
      });
      expect(berth.output()).not.toContain(`${SECRET}-ws`);
    });

    it.each(['logs', 'stats', 'events'] as const)(
      'a viewer opening /ws/%s leaves a log line with who, channel and container',
      async (channel) => {
        const socket = await openWs(wsUrl(berth.url, `/api/v1/ws/${channel}`, channel === 'events' ? {} : { container: containerId }), {
          token: viewer.token,
        });
        try {
          const line = await until(
            () =>
              logRecords(berth).find(
                (record) => record.msg === 'stream opened' && record.channel === channel && record.username === viewer.username,
              ),
            `the ${channel} log line`,
          );
          expect(line).toMatchObject({ userId: viewer.id, role: 'viewer', host: 'local' });
          if (channel !== 'events') expect(line.container).toEqual({ id: containerId, name: containerName });
        } finally {
          socket.ws.close();
        }
      },
    );
  });

  describe('finding 11: engine internals and host addresses stay with the server', () => {
    it('a start that fails in the runtime answers the cause, without runc internals; the full text is logged at warn', async () => {
      const name = uniqueName('nope');
      const response = await api(berth.url, containers, {
        method: 'POST',
        token: operator.token,
        body: { image: TEST_IMAGE, pull: 'never', name, labels, cmd: ['nope-not-here'], start: true },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.code).toBe('ENGINE_REJECTED');
      expect(response.body.detail).toBe('executable file not found in $PATH: nope-not-here');
      expect(response.text).not.toMatch(/OCI runtime|runc|shim|\.go:\d+|caused:|: unknown/);
      await until(
        () =>
          logRecords(berth).find(
            (line) => line.msg === 'engine error cleaned for the client' && String(line.engineMessage).includes('nope-not-here'),
          ),
        'the full engine text in the log',
      ).then((line) => expect(line).toMatchObject({ level: 40, detail: response.body.detail }));
    });

    it('an engine error that names paths inside the engine state answers without them', async () => {
      // A volume over a file of the image: the engine names the container's overlay path on the host.
      const volume = uniqueName('vol');
      await docker.createVolume({ Name: volume, Labels: labels });
      try {
        const response = await api(berth.url, containers, {
          method: 'POST',
          token: berth.token,
          body: { image: TEST_IMAGE, pull: 'never', name: uniqueName('overlay'), labels, cmd: ['true'], binds: [`${volume}:/etc/passwd`] },
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.body.detail).toContain('<engine path>');
        expect(response.text).not.toMatch(/\/var\/lib\/docker|overlay2|\/merged|[0-9a-f]{64}/);
        const logged = await until(
          () =>
            logRecords(berth).find(
              (line) => line.msg === 'engine error cleaned for the client' && /overlay2/.test(String(line.engineMessage)),
            ),
          'the full engine text in the log',
        );
        expect(logged.detail).toBe(response.body.detail);
      } finally {
        await docker
          .getVolume(volume)
          .remove({ force: true })
          .catch(() => undefined);
      }
    });

    it('GET /api/v1/hosts gives the engine url to admins only', async () => {
      for (const token of [viewer.token, operator.token]) {
        const hosts = await api(berth.url, '/api/v1/hosts', { token });
        expect(hosts.status).toBe(200);
        expect(hosts.body).toEqual([
          { id: 'local', name: 'local', builtIn: true, labels: {}, status: expect.objectContaining({ state: 'up' }) },
        ]);
        expect(hosts.text).not.toMatch(/unix:|tcp:|docker\.sock/);
      }
      const admin = await api(berth.url, '/api/v1/hosts', { token: berth.token });
      expect(admin.body).toEqual([
        {
          id: 'local',
          name: 'local',
          builtIn: true,
          labels: {},
          url: expect.stringMatching(/^(unix|tcp|npipe):/),
          status: expect.objectContaining({ state: 'up' }),
        },
      ]);
    });
  });
});

describe('BERTH_VIEWER_REDACTION=false', () => {
  let berth: BerthProcess;
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it('gives viewers what operators see: env values and any ps options', async () => {
    berth = await startBerth({ env: { BERTH_VIEWER_REDACTION: 'false' } });
    const viewer = await login(berth.url, await createUser(berth, 'viewer'));
    const created = await api(berth.url, containers, {
      method: 'POST',
      token: berth.token,
      body: {
        image: TEST_IMAGE,
        pull: 'never',
        name: uniqueName('open'),
        labels,
        env: [`SECRET=${SECRET}`],
        cmd: ['sleep', '600'],
        start: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    const inspect = await api(berth.url, `${containers}/${created.body.id}`, { token: viewer });
    expect(inspect.body.env).toContain(`SECRET=${SECRET}`);
    const top = await api(berth.url, `${containers}/${created.body.id}/top?psArgs=e`, { token: viewer });
    expect(top.status).toBe(200);
    expect(top.text).toContain(SECRET);
  });
});
