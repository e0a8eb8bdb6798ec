import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api } from './support/http.js';
import { until } from './support/until.js';
import { logLines, openWs, refusalOf, wsUrl } from './support/ws.js';

const runId = newRunId();

async function runContainer(cmd: string[], options: { tty?: boolean } = {}): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    name: uniqueName('ws'),
    Cmd: cmd,
    Tty: options.tty ?? false,
    Labels: testLabels(runId),
  });
  await container.start();
  return container;
}

async function engineLogLines(container: Docker.Container): Promise<number> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  let count = 0;
  // 8-byte frame headers, payload newlines
  for (let offset = 0; offset + 8 <= raw.length;) {
    const size = raw.readUInt32BE(offset + 4);
    count +=
      raw
        .subarray(offset + 8, offset + 8 + size)
        .toString()
        .split('\n').length - 1;
    offset += 8 + size;
  }
  return count;
}

async function metric(berth: BerthProcess, token: string, pattern: RegExp): Promise<number> {
  const text = (await api(berth.url, '/metrics', { token })).text;
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

const exec = (container: Docker.Container, cmd: string[]) => container.exec({ Cmd: cmd }).then((e) => e.start({ Detach: true } as never));

describe('WebSocket streams on the real engine', () => {
  let berth: BerthProcess;
  let admin: string;

  beforeAll(async () => {
    berth = await startBerth();
    admin = berth.token;
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  describe('logs', () => {
    it('sends the tail, then follows, tells stdout from stderr and ends with 1000 when the container exits', async () => {
      // stdout and stderr reach the engine through two pipes: stderr waits until the engine has stdout's lines, so the order is certain.
      const container = await runContainer([
        'sh',
        '-c',
        'seq 1 5; while [ ! -f /tmp/err ]; do sleep 0.1; done; echo oops >&2; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo after; echo bye >&2',
      ]);
      await until(async () => (await engineLogLines(container)) >= 5, 'five log lines');
      await exec(container, ['touch', '/tmp/err']);
      await until(async () => (await engineLogLines(container)) >= 6, 'six log lines');

      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, tail: 3, timestamps: true }), {
        token: admin,
      });
      await socket.until((frames) => logLines(frames).length >= 3);
      const tail = logLines(socket.frames);
      expect(tail.map((l) => [l.stream, l.line])).toEqual([
        ['stdout', '4'],
        ['stdout', '5'],
        ['stderr', 'oops'],
      ]);
      expect(tail[0].ts).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);

      await exec(container, ['touch', '/tmp/go']);
      const closed = await socket.closed;
      expect(closed.code).toBe(1000);
      const all = logLines(socket.frames);
      // Lines of the two streams written at once may come in either order (two pipes).
      expect(
        all
          .slice(3)
          .map((l) => `${l.stream}:${l.line}`)
          .sort(),
      ).toEqual(['stderr:bye', 'stdout:after']);
    });

    it('sends a snapshot without follow, filters the streams and resumes from `since`', async () => {
      const container = await runContainer(['sh', '-c', 'for i in 1 2 3 4; do echo out$i; echo err$i >&2; done; sleep 3600']);
      await until(async () => (await engineLogLines(container)) >= 8, 'eight log lines');

      const stderrOnly = await openWs(
        wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false, stdout: false, timestamps: true }),
        {
          token: admin,
        },
      );
      expect((await stderrOnly.closed).code).toBe(1000);
      const lines = logLines(stderrOnly.frames);
      expect(lines.map((l) => l.line)).toEqual(['err1', 'err2', 'err3', 'err4']);
      expect(lines.every((l) => l.stream === 'stderr')).toBe(true);

      const resumed = await openWs(
        wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false, stdout: false, since: lines[2].ts }),
        {
          token: admin,
        },
      );
      expect((await resumed.closed).code).toBe(1000);
      expect(logLines(resumed.frames)).toEqual([
        { stream: 'stderr', ts: lines[2].ts, line: 'err3' },
        { stream: 'stderr', ts: lines[3].ts, line: 'err4' },
      ]);
    });

    it('without tail sends the last 1000 lines as REST does, each with its ts, in frames that are always arrays', async () => {
      const container = await runContainer(['sh', '-c', 'seq 1 1500; sleep 3600']);
      await until(async () => (await engineLogLines(container)) >= 1500, '1500 log lines');

      const snapshot = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false }), { token: admin });
      expect((await snapshot.closed).code).toBe(1000);
      const lines = logLines(snapshot.frames);
      const expected = Array.from({ length: 1000 }, (_, i) => String(i + 501));
      expect(lines.map((l) => l.line)).toEqual(expected);
      expect(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(l.ts))).toBe(true);

      const rest = await api(berth.url, `/api/v1/hosts/local/containers/${container.id}/logs`, { token: admin });
      expect(rest.status).toBe(200);
      expect((rest.body as Array<{ line: string }>).map((l) => l.line)).toEqual(expected);

      // tail=all is the whole log; a frame of one line is an array too.
      const all = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false, tail: 'all' }), {
        token: admin,
      });
      expect((await all.closed).code).toBe(1000);
      expect(logLines(all.frames)).toHaveLength(1500);
      const one = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false, tail: 1 }), { token: admin });
      expect((await one.closed).code).toBe(1000);
      expect(one.frames.map((frame) => JSON.parse(String(frame)))).toEqual([[{ stream: 'stdout', ts: expect.any(String), line: '1500' }]]);
    });

    it('serves many followers of one container from one engine stream', async () => {
      const container = await runContainer(['sh', '-c', 'while [ ! -f /tmp/go ]; do sleep 0.1; done; seq 1 2000; sleep 3600']);
      const url = wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, tail: 0 });
      const before = await metric(berth, admin, /berth_ws_engine_streams\{channel="logs"\} (\d+)/);
      const sockets = await Promise.all(Array.from({ length: 8 }, () => openWs(url, { token: admin })));
      expect(await metric(berth, admin, /berth_ws_engine_streams\{channel="logs"\} (\d+)/)).toBe(before + 1);

      await exec(container, ['touch', '/tmp/go']);
      const expected = Array.from({ length: 2000 }, (_, i) => String(i + 1));
      for (const socket of sockets) {
        await socket.until((frames) => logLines(frames).length >= 2000);
        expect(logLines(socket.frames).map((l) => l.line)).toEqual(expected);
        socket.ws.close();
      }
      await until(
        async () => (await metric(berth, admin, /berth_ws_engine_streams\{channel="logs"\} (\d+)/)) === before,
        'the shared stream to close',
      );
    });
  });

  describe('exec', () => {
    let container: Docker.Container;
    beforeAll(async () => {
      container = await runContainer(['sleep', '3600']);
    });

    const frameOf = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
    const channelText = (frames: Array<string | Buffer>, channel: number) =>
      frames
        .filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === channel)
        .map((f) => f.subarray(1).toString())
        .join('');

    it('runs sh: stdin in, stdout and stderr apart, the exit code on channel 3, then 1000', async () => {
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id, cmd: 'sh' }), { token: admin });
      socket.ws.send(frameOf(0, 'echo hi; echo bad >&2; exit 3\n'));
      const closed = await socket.closed;
      expect(closed.code).toBe(1000);
      expect(channelText(socket.frames, 1)).toBe('hi\n');
      expect(channelText(socket.frames, 2)).toBe('bad\n');
      expect(JSON.parse(channelText(socket.frames, 3))).toEqual({ exitCode: 3 });
    });

    it('takes cmd as repeated parameters, with workingDir and user', async () => {
      const socket = await openWs(
        wsUrl(berth.url, '/api/v1/ws/exec', {
          container: container.id,
          cmd: ['sh', '-c', 'pwd; id -u'],
          workingDir: '/tmp',
          user: 'nobody',
        }),
        { token: admin },
      );
      expect((await socket.closed).code).toBe(1000);
      expect(channelText(socket.frames, 1)).toBe('/tmp\n65534\n');
      expect(JSON.parse(channelText(socket.frames, 3))).toEqual({ exitCode: 0 });
    });

    it('applies a resize to the TTY', async () => {
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id, cmd: 'sh', tty: true }), {
        token: admin,
        protocols: ['v4.channel.k8s.io'],
      });
      expect(socket.ws.protocol).toBe('v4.channel.k8s.io');
      socket.ws.send(frameOf(4, JSON.stringify({ Width: 123, Height: 45 })));
      socket.ws.send(frameOf(0, 'stty size; exit\n'));
      expect((await socket.closed).code).toBe(1000);
      expect(channelText(socket.frames, 1)).toMatch(/45 123/);
    });

    it('ends the process when the client goes away', async () => {
      const processes = async () => ((await container.top({ ps_args: '-o pid,args' })).Processes ?? []).map((p: string[]) => p.join(' '));
      for (const tty of [false, true]) {
        const socket = await openWs(
          wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id, cmd: ['sh', '-c', 'echo ready; cat'], tty }),
          {
            token: admin,
          },
        );
        await socket.until((frames) => channelText(frames, 1).includes('ready'));
        expect((await processes()).some((p: string) => p.includes('cat'))).toBe(true);
        socket.ws.close();
        await until(async () => !(await processes()).some((p: string) => p.includes('cat')), `the exec (tty=${tty}) to end`);
      }
    });

    it('refuses a stopped container with 409 before the upgrade', async () => {
      const stopped = await docker.createContainer({ Image: TEST_IMAGE, name: uniqueName('ws'), Cmd: ['true'], Labels: testLabels(runId) });
      const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/exec', { container: stopped.id }), { token: admin });
      expect(refusal.status).toBe(409);
      expect(refusal.body.code).toBe('CONTAINER_NOT_RUNNING');
    });
  });

  describe('events and stats', () => {
    it('sees a container start on the events channel', async () => {
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/events'), { token: admin });
      const container = await runContainer(['sleep', '3600']);
      const parsed = () => socket.frames.map((f) => JSON.parse(String(f)));
      await socket.until(() => parsed().some((e) => e.type === 'container' && e.action === 'start' && e.actor.id === container.id));
      const event = parsed().find((e) => e.action === 'start' && e.actor.id === container.id);
      expect(event).toMatchObject({ type: 'container', actor: { attributes: { image: TEST_IMAGE } } });
      expect(new Date(event.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
      socket.ws.close();
    });

    it('sends stats samples of a running container and ends with 1000 when it stops', async () => {
      const container = await runContainer(['sleep', '3600']);
      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/stats', { container: container.id }), { token: admin });
      await socket.until((frames) => frames.length >= 2);
      for (const frame of socket.frames.slice(0, 2)) {
        const sample = JSON.parse(String(frame));
        expect(sample).toMatchObject({
          readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          cpuPercent: expect.any(Number),
          memory: { usageBytes: expect.any(Number), limitBytes: expect.any(Number) },
          network: { rxBytes: expect.any(Number), txBytes: expect.any(Number) },
          pids: 1,
        });
        expect(sample.memory.limitBytes).toBeGreaterThan(0);
      }
      await container.stop({ t: 0 });
      expect((await socket.closed).code).toBe(1000);
      const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/stats', { container: container.id }), { token: admin });
      expect([refusal.status, refusal.body.code]).toEqual([409, 'CONTAINER_NOT_RUNNING']);
    });
  });

  describe('access', () => {
    let container: Docker.Container;
    beforeAll(async () => {
      container = await runContainer(['sleep', '3600']);
    });
    const logsUrl = (params: Record<string, string> = {}) => wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, ...params });

    it('refuses no credentials and bad credentials with 401 problem+json before the upgrade', async () => {
      for (const options of [{}, { token: 'not-a-token' }, { headers: { authorization: 'Basic abc' } }]) {
        const refusal = await refusalOf(logsUrl(), options);
        expect(refusal.status).toBe(401);
        expect(refusal.contentType).toMatch(/^application\/problem\+json/);
        expect(refusal.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', instance: '/api/v1/ws/logs' });
      }
      expect((await refusalOf(logsUrl({ ticket: 'made-up' }))).status).toBe(401);
    });

    it('refuses a viewer on exec with 403 and lets them read logs', async () => {
      const viewer = await createApiKey(berth, 'viewer');
      const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id }), { token: viewer.key });
      expect(refusal.status).toBe(403);
      expect(refusal.body.code).toBe('FORBIDDEN');
      const socket = await openWs(logsUrl(), { token: viewer.key });
      socket.ws.close();
    });

    it('answers 404 for an unknown container or host and 400 for a bad query', async () => {
      const noContainer = await refusalOf(wsUrl(berth.url, '/api/v1/ws/logs', { container: 'berth-test-no-such-container' }), {
        token: admin,
      });
      expect([noContainer.status, noContainer.body.code]).toEqual([404, 'CONTAINER_NOT_FOUND']);
      const noChannel = await refusalOf(wsUrl(berth.url, '/api/v1/ws/nothing-here'), { token: admin });
      expect([noChannel.status, noChannel.contentType, noChannel.body.code]).toEqual([404, 'application/problem+json', 'NOT_FOUND']);
      const noHost = await refusalOf(logsUrl({ host: 'nowhere' }), { token: admin });
      expect([noHost.status, noHost.body.code]).toEqual([404, 'HOST_NOT_FOUND']);
      const bad = await refusalOf(logsUrl({ tail: '-1', colour: 'yes' }), { token: admin });
      expect(bad.status).toBe(400);
      expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['colour', 'tail']);
    });

    it('opens with a one-time ticket from POST /api/v1/ws/tickets, once', async () => {
      const issued = await api(berth.url, '/api/v1/ws/tickets', { method: 'POST', token: admin });
      expect(issued.status).toBe(201);
      expect(new Date(issued.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      const socket = await openWs(logsUrl({ ticket: issued.body.ticket }));
      socket.ws.close();
      expect((await refusalOf(logsUrl({ ticket: issued.body.ticket }))).status).toBe(401);
    });

    it('closes a stream with 1008 when its API key is revoked', async () => {
      const key = await createApiKey(berth, 'viewer');
      const socket = await openWs(logsUrl(), { token: key.key });
      const revoked = await api(berth.url, `/api/v1/auth/api-keys/${key.id}`, { method: 'DELETE', token: admin });
      expect(revoked.status).toBe(204);
      const closed = await socket.closed;
      expect(closed.code).toBe(1008);
      expect((await refusalOf(logsUrl(), { token: key.key })).status).toBe(401);
    });
  });
});

async function createApiKey(berth: BerthProcess, role: string): Promise<{ id: string; key: string }> {
  const created = await api(berth.url, '/api/v1/auth/api-keys', {
    method: 'POST',
    token: berth.token,
    body: { name: uniqueName('key'), role },
  });
  if (created.status !== 201) throw new Error(`cannot create an API key: ${created.status} ${created.text}`);
  return { id: created.body.id, key: created.body.key };
}
