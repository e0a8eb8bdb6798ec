import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api } from './support/http.js';
import { until } from './support/until.js';
import { logLines, openWs, wsUrl } from './support/ws.js';

const runId = newRunId();

async function runContainer(cmd: string[]): Promise<Docker.Container> {
  const container = await docker.createContainer({ Image: TEST_IMAGE, name: uniqueName('ws'), Cmd: cmd, Labels: testLabels(runId) });
  await container.start();
  return container;
}

async function metric(berth: BerthProcess, token: string, name: string): Promise<number> {
  const text = (await api(berth.url, '/metrics', { token })).text;
  const match = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

afterAll(() => removeTestResources(runId));

describe('stream limits: per-user cap, slow clients', () => {
  let berth: BerthProcess;
  let admin: string;

  beforeAll(async () => {
    berth = await startBerth({
      env: { BERTH_STREAMS_PER_USER: '2', BERTH_STREAM_BUFFER_BYTES: '16384', BERTH_STREAM_STALL_TIMEOUT_MS: '1000' },
    });
    admin = berth.token;
  });
  afterAll(() => berth?.stop());

  it('closes the stream over the per-user cap with 1013', async () => {
    const url = wsUrl(berth.url, '/api/v1/ws/events');
    const first = await openWs(url, { token: admin });
    const second = await openWs(url, { token: admin });
    const third = await openWs(url, { token: admin });
    const closed = await third.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/too many open streams/);
    first.ws.close();
    await first.closed;
    await until(
      async () => (await metric(berth, admin, 'berth_ws_open_sockets{channel="events"}')) === 1,
      'the first socket to count as closed',
    );
    const again = await openWs(url, { token: admin });
    expect(again.ws.readyState).toBe(again.ws.OPEN);
    again.ws.close();
    second.ws.close();
    await Promise.all([again.closed, second.closed]);
  });

  it('drops a client that stops reading with 4000 and where to resume, and the resume loses no line', async () => {
    const total = 200_000;
    const container = await runContainer(['sh', '-c', `seq 1 ${total}; echo done; sleep 3600`]);
    await until(async () => String(await container.logs({ stdout: true, tail: 1 })).includes('done'), 'the log to be written');
    await until(
      async () => (await metric(berth, admin, 'berth_ws_open_sockets{channel="logs"}')) === 0,
      'no logs socket from earlier tests',
    );

    const url = wsUrl(berth.url, '/api/v1/ws/logs', {
      container: container.id,
      follow: false,
      stdout: true,
      stderr: false,
      tail: 'all',
    });
    const stalled = await openWs(url, { token: admin });
    // ws's pause() stops reading the TCP socket: Berth's writes back up as behind a client that reads nothing.
    stalled.ws.pause();
    // Berth gives up on it: the engine stream behind it closes while the client still reads nothing.
    await until(
      async () => (await metric(berth, admin, 'berth_ws_engine_streams{channel="logs"}')) === 0,
      'Berth to drop the stalled client',
    );
    stalled.ws.resume();
    const closed = await stalled.closed;
    expect(closed.code).toBe(4000);
    const received = logLines(stalled.frames);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(total);
    received.forEach((line, index) => expect(line.line).toBe(String(index + 1)));
    const last = received.at(-1)!;
    expect(closed.reason).toContain(`since=${last.ts}`);

    const resumeFrom = /since=(\S+)/.exec(closed.reason)![1];
    const resumed = await openWs(
      wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id, follow: false, stderr: false, since: resumeFrom, tail: 'all' }),
      {
        token: admin,
      },
    );
    expect((await resumed.closed).code).toBe(1000);
    const rest = logLines(resumed.frames).map((l) => l.line);
    // The line at `since` comes again; after it, every line up to the end, in order.
    expect(rest[0]).toBe(last.line);
    const expected = Array.from({ length: total - Number(last.line) + 1 }, (_, i) => String(Number(last.line) + i));
    expect(rest.slice(0, -1)).toEqual(expected);
    expect(rest.at(-1)).toBe('done');
  });
});

describe('stream liveness and shutdown', () => {
  let berth: BerthProcess;
  let admin: string;

  beforeAll(async () => {
    berth = await startBerth({ env: { BERTH_STREAM_PING_INTERVAL_MS: '300' } });
    admin = berth.token;
  });
  afterAll(() => berth?.stop());

  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    const url = wsUrl(berth.url, '/api/v1/ws/events');
    const healthy = await openWs(url, { token: admin });
    const dead = await openWs(url, { token: admin });
    dead.ws.pause(); // reads nothing, so answers no ping
    await until(async () => (await metric(berth, admin, 'berth_ws_open_sockets{channel="events"}')) === 1, 'the dead peer to be dropped');
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    healthy.ws.close();
    await healthy.closed;
  });

  it('sends every socket a 1001 close frame on shutdown', async () => {
    const container = await runContainer(['sleep', '3600']);
    const logs = await openWs(wsUrl(berth.url, '/api/v1/ws/logs', { container: container.id }), { token: admin });
    const exec = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: container.id, cmd: 'sh' }), { token: admin });
    const stats = await openWs(wsUrl(berth.url, '/api/v1/ws/stats', { container: container.id }), { token: admin });
    await berth.stop();
    for (const socket of [logs, exec, stats]) expect((await socket.closed).code).toBe(1001);
    expect(berth.output()).toMatch(/closing 3 stream\(s\) for shutdown/);
  });
});
