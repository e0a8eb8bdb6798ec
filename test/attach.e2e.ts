import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, auditEvents, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api } from './support/http.js';
import { type OpenSocket, openWs, refusalOf, wsUrl } from './support/ws.js';

/**
 * Issue 16, part 1: `docker attach` (and `docker start -ai` = start + attach) over
 * `/api/v1/ws/attach`, on the real engine, in the exec channel framing.
 */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';
const CTRL_P_CTRL_Q = Buffer.from([0x10, 0x11]);

const frameOf = (channel: number, payload: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]);
const channelText = (frames: Array<string | Buffer>, channel: number) =>
  frames
    .filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === channel)
    .map((f) => f.subarray(1).toString())
    .join('');
const statuses = (frames: Array<string | Buffer>) =>
  frames.filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === 3).map((f) => JSON.parse(f.subarray(1).toString()));
const state = async (id: string) => (await docker.getContainer(id).inspect()).State;

describe('WS /api/v1/ws/attach on the real engine', () => {
  let berth: BerthProcess;
  let operator: string;

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  /** `docker run -dit busybox sh` through Berth. */
  const startShell = async (body: Record<string, unknown> = {}) => {
    const created = await api(berth.url, base, {
      method: 'POST',
      token: berth.token,
      body: {
        image: TEST_IMAGE,
        pull: 'never',
        name: uniqueName('attach'),
        labels,
        cmd: ['sh'],
        tty: true,
        openStdin: true,
        start: true,
        ...body,
      },
    });
    expect(created.status, created.text).toBe(201);
    return created.body.id as string;
  };
  const attach = (container: string, params: Record<string, string | boolean> = {}, token = operator) =>
    openWs(wsUrl(berth.url, '/api/v1/ws/attach', { container, ...params }), { token, protocols: ['v4.channel.k8s.io'] });
  /** Types a command and waits for what it prints: the attach is live once it answers. */
  const run = async (socket: OpenSocket, command: string, expected: string) => {
    socket.ws.send(frameOf(0, `${command}\n`));
    await socket.until((frames) => channelText(frames, 1).includes(expected));
  };

  it('types into sh -it, follows a resize, detaches with Ctrl-P Ctrl-Q and leaves it running; a second attach sees exit 3', async () => {
    const id = await startShell();
    const first = await attach(id);
    expect(first.ws.protocol).toBe('v4.channel.k8s.io');
    // The echo of the typed line says `attached-$((1+1))`: only the shell's answer says attached-2.
    await run(first, 'echo attached-$((1+1))', 'attached-2');
    first.ws.send(frameOf(4, JSON.stringify({ Width: 100, Height: 33 })));
    await run(first, 'stty size', '33 100');
    first.ws.send(frameOf(0, CTRL_P_CTRL_Q));
    expect((await first.closed).code).toBe(1000);
    expect(statuses(first.frames)).toEqual([{ detached: true }]);
    expect((await state(id)).Running).toBe(true);

    const second = await attach(id);
    await run(second, 'echo again-$((2+2))', 'again-4');
    second.ws.send(frameOf(0, 'exit 3\n'));
    expect((await second.closed).code).toBe(1000);
    expect(statuses(second.frames)).toEqual([{ exitCode: 3 }]);
    expect(await state(id)).toMatchObject({ Running: false, ExitCode: 3 });

    const ends = await auditEvents(berth, `action=container.attach.end&target=${id}`, (items) => items.length === 2);
    expect(ends.map((end) => end.details).sort((a, b) => a.ended.localeCompare(b.ended))).toEqual([
      expect.objectContaining({ host: 'local', containerId: id, ended: 'detached', closeCode: 1000 }),
      expect.objectContaining({ host: 'local', containerId: id, ended: 'exited', exitCode: 3, closeCode: 1000 }),
    ]);
    for (const end of ends) expect(end.durationMs).toEqual(expect.any(Number));
    const starts = await auditEvents(berth, `action=container.attach.start&target=${id}`, (items) => items.length === 2);
    for (const start of starts) expect(start).toMatchObject({ status: 101, details: { containerId: id, tty: true } });
  });

  it('shows two attached clients the same output, and forwards the stdin of each', async () => {
    const id = await startShell();
    const [a, b] = await Promise.all([attach(id), attach(id)]);
    await run(a, 'echo a-ready-$((1+1))', 'a-ready-2');
    await run(b, 'echo b-ready-$((1+2))', 'b-ready-3');
    await run(a, 'echo from-a-$((2*3))', 'from-a-6');
    await b.until((frames) => channelText(frames, 1).includes('from-a-6'));
    await run(b, 'echo from-b-$((2*4))', 'from-b-8');
    await a.until((frames) => channelText(frames, 1).includes('from-b-8'));
    // A client that just goes away leaves the process running (no Ctrl-C, no end of input).
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
    const ends = await auditEvents(berth, `action=container.attach.end&target=${id}`, (items) => items.length === 2);
    expect(ends.map((end) => end.details.ended)).toEqual(['closed', 'closed']);
    expect((await state(id)).Running).toBe(true);
  });

  it('replays what the container printed before with logs=true (then live, or alone with stream=false), and not without', async () => {
    const id = await startShell();
    const first = await attach(id);
    await run(first, 'echo earlier-$((4+4))', 'earlier-8');
    first.ws.close();
    await first.closed;

    const replayed = await attach(id, { logs: true });
    await replayed.until((frames) => channelText(frames, 1).includes('earlier-8'));
    await run(replayed, 'echo live-$((5+5))', 'live-10');
    replayed.ws.close();

    const live = await attach(id);
    await run(live, 'echo now-$((6+6))', 'now-12');
    expect(channelText(live.frames, 1)).not.toContain('earlier-8');
    live.ws.close();

    // stream=false: the replay only, then the session ends with the container running.
    const replayOnly = await attach(id, { logs: true, stream: false });
    expect((await replayOnly.closed).code).toBe(1000);
    expect(channelText(replayOnly.frames, 1)).toContain('live-10');
    expect(statuses(replayOnly.frames)).toEqual([{ detached: true }]);
    expect((await state(id)).Running).toBe(true);
  });

  it('detaches on the keys a client chose, and passes Ctrl-P Ctrl-Q to the process then', async () => {
    const id = await startShell();
    const socket = await attach(id, { detachKeys: 'ctrl-a,x' });
    await run(socket, 'echo ready-$((1+1))', 'ready-2');
    socket.ws.send(frameOf(0, CTRL_P_CTRL_Q));
    // Still attached: the shell answers what follows.
    await run(socket, '\x15echo still-$((2+2))', 'still-4');
    socket.ws.send(frameOf(0, Buffer.from([0x01, 0x78])));
    expect((await socket.closed).code).toBe(1000);
    expect(statuses(socket.frames)).toEqual([{ detached: true }]);
    expect((await state(id)).Running).toBe(true);
  });

  it('attaches read-only to a container without open stdin, demultiplexing stdout and stderr, and says so first', async () => {
    const id = await startShell({
      tty: false,
      openStdin: false,
      cmd: ['sh', '-c', 'while true; do echo out; echo err >&2; sleep 0.2; done'],
    });
    const socket = await attach(id);
    await socket.until((frames) => channelText(frames, 1).includes('out') && channelText(frames, 2).includes('err'));
    expect(statuses(socket.frames)[0]).toEqual({ readOnly: true });
    expect(Buffer.isBuffer(socket.frames[0]) && socket.frames[0][0]).toBe(3);
    socket.ws.close();
    await socket.closed;
    const [end] = await auditEvents(berth, `action=container.attach.end&target=${id}`, (items) => items.length === 1);
    expect(end.details).toMatchObject({ ended: 'closed', exitCode: null });
    expect((await state(id)).Running).toBe(true);
  });

  it('sends {exitCode} when the process of a container without a TTY ends', async () => {
    const id = await startShell({ tty: false, cmd: ['sh', '-c', 'read line; echo "got $line"; exit 5'] });
    const socket = await attach(id);
    socket.ws.send(frameOf(0, 'hello\n'));
    expect((await socket.closed).code).toBe(1000);
    expect(channelText(socket.frames, 1)).toBe('got hello\n');
    expect(statuses(socket.frames)).toEqual([{ exitCode: 5 }]);
  });

  it('refuses before the upgrade: a viewer 403, a stopped container 409, bad detach keys and stream=false alone 400', async () => {
    const id = await startShell();
    const viewer = await credentialFor(berth, 'viewer');
    const url = (params: Record<string, string>) => wsUrl(berth.url, '/api/v1/ws/attach', { container: id, ...params });
    const forbidden = await refusalOf(url({}), { token: viewer });
    expect(forbidden.status).toBe(403);
    expect(forbidden.contentType).toMatch(/^application\/problem\+json/);
    for (const detachKeys of ['ctrl-1', 'esc', '', 'ctrl-p,,ctrl-q']) {
      const refusal = await refusalOf(url({ detachKeys }), { token: operator });
      expect(refusal.status, detachKeys).toBe(400);
      expect(refusal.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'detachKeys' })] });
    }
    expect((await refusalOf(url({ stream: 'false' }), { token: operator })).body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });

    const stopped = await api(berth.url, base, {
      method: 'POST',
      token: berth.token,
      body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sh'], tty: true, openStdin: true },
    });
    const notRunning = await refusalOf(wsUrl(berth.url, '/api/v1/ws/attach', { container: stopped.body.id }), { token: operator });
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.code).toBe('CONTAINER_NOT_RUNNING');
    // None of them got as far as an attach.
    await auditEvents(berth, `action=container.attach.start&target=${id}`, (items) => items.length === 0);
  });

  it('keeps a policy exception (the engine socket bound in) to admins: an operator gets 403 POLICY_DENIED, an admin attaches', async () => {
    const id = await startShell({ binds: ['/var/run/docker.sock:/var/run/docker.sock'] });
    const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/attach', { container: id }), { token: operator });
    expect(refusal.status).toBe(403);
    expect(refusal.body).toMatchObject({ code: 'POLICY_DENIED', rules: expect.arrayContaining(['docker-socket']) });
    const admin = await attach(id, {}, berth.token);
    await run(admin, 'test -S /var/run/docker.sock && echo socket-$((1+1))', 'socket-2');
    admin.ws.close();
    await auditEvents(
      berth,
      `action=container.attach.start&target=${id}`,
      (items) => items.length === 1 && items[0].actor.username === 'admin',
    );
  });
});
