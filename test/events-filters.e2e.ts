import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { OpenSocket, openWs, refusalOf, wsUrl } from './support/ws.js';

const runId = newRunId();

interface Event {
  type: string;
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  timeNano: number;
}

/** Every event received: a frame is one event (or an array of them). */
const eventsOf = (socket: OpenSocket): Event[] => socket.frames.flatMap((frame) => [JSON.parse(String(frame)) as Event | Event[]].flat());

async function createContainer(): Promise<{ container: Docker.Container; id: string; name: string }> {
  const name = uniqueName('events');
  const container = await docker.createContainer({ Image: TEST_IMAGE, name, Cmd: ['sleep', '3600'], Labels: testLabels(runId) });
  return { container, id: container.id, name };
}

const exec = (container: Docker.Container, cmd: string[]) => container.exec({ Cmd: cmd }).then((e) => e.start({ Detach: true } as never));

/**
 * The socket's engine stream is open once one of `target`'s events arrives: execs in it until one does
 * (the upgrade answers before the engine stream is open; an event before that would be missed, not filtered).
 */
async function live(socket: OpenSocket, target: Docker.Container): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await exec(target, ['true']);
    try {
      await socket.until(() => eventsOf(socket).some((event) => event.actor.id === target.id), 1000);
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
}

describe('/ws/events filters', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  it.each(['id', 'name'] as const)("a filter on one container's %s receives that container's events only", async (by) => {
    const watched = await createContainer();
    const other = await createContainer();
    await watched.container.start();
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/events', { container: watched[by], type: 'container' }), {
      token: berth.token,
    });
    await live(socket, watched.container);
    // The other container's start comes before the watched one's stop: one stream keeps the engine's order.
    await other.container.start();
    await watched.container.kill();
    await socket.until(() => eventsOf(socket).some((event) => event.actor.id === watched.id && event.action === 'die'));
    const events = eventsOf(socket);
    expect(events.filter((event) => event.actor.id === other.id)).toEqual([]);
    expect(events.every((event) => event.actor.id === watched.id && event.type === 'container')).toBe(true);
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['kill', 'die']));
    socket.ws.close();
  });

  it('filters by action and label as the engine does (labels ANDed)', async () => {
    const watched = await createContainer();
    await watched.container.start();
    const socket = await openWs(
      wsUrl(berth.url, '/api/v1/ws/events', { action: ['die', 'exec_create'], label: ['berth.test=1', `berth.test.run=${runId}`] }),
      { token: berth.token },
    );
    await live(socket, watched.container);
    await watched.container.kill();
    await socket.until(() => eventsOf(socket).some((event) => event.actor.id === watched.id && event.action === 'die'));
    const events = eventsOf(socket);
    expect(events.every((event) => /^(die|exec_create: )/.test(event.action))).toBe(true);
    expect(events.every((event) => event.actor.attributes['berth.test.run'] === runId)).toBe(true);
    expect(events.map((event) => event.action)).not.toContain('kill');
    socket.ws.close();
  });

  it('replays past events from since, then goes on live', async () => {
    const watched = await createContainer();
    const before = Date.now();
    await watched.container.start();
    // Unix seconds a second early: the engine's clock is this machine's.
    const since = (Math.floor(before / 1000) - 1).toString();
    const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/events', { container: watched.id, since }), { token: berth.token });
    await socket.until(() => eventsOf(socket).some((event) => event.action === 'start'));
    const start = eventsOf(socket).find((event) => event.action === 'start')!;
    expect(start.actor.id).toBe(watched.id);
    expect(start.timeNano / 1e6).toBeGreaterThanOrEqual(before - 1000);
    // Live after the replay.
    await watched.container.kill();
    await socket.until(() => eventsOf(socket).some((event) => event.action === 'die'));
    socket.ws.close();
  });

  it("keeps a viewer's filtered events redacted, and refuses an exact exec action (a guess at the arguments) before the upgrade", async () => {
    const viewer = await credentialFor(berth, 'viewer');
    const watched = await createContainer();
    await watched.container.start();
    const refusal = await refusalOf(
      wsUrl(berth.url, '/api/v1/ws/events', { container: watched.id, action: 'exec_create: sh -c echo s3cret' }),
      { token: viewer },
    );
    expect([refusal.status, refusal.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(JSON.stringify(refusal.body.errors)).toContain('action');

    const socket = await openWs(
      wsUrl(berth.url, '/api/v1/ws/events', { container: watched.id, action: 'exec_create', label: `berth.test.run=${runId}` }),
      { token: viewer },
    );
    await live(socket, watched.container);
    await exec(watched.container, ['sh', '-c', 'echo s3cret']);
    await socket.until(() => eventsOf(socket).some((event) => event.action.startsWith('exec_create: sh ')));
    expect(eventsOf(socket).map((event) => event.action)).toContain('exec_create: sh <redacted>');
    expect(socket.frames.join('\n')).not.toContain('s3cret');
    socket.ws.close();
  });

  it.each([
    [{ type: 'containers' }, 'type'],
    [{ action: 'Start' }, 'action'],
    [{ container: '../etc' }, 'container'],
    [{ label: '=x' }, 'label'],
    [{ since: 'yesterday' }, 'since'],
    [{ image: 'busybox' }, 'image'],
  ])('refuses %j with 400 naming %s before the upgrade', async (params, field) => {
    const refusal = await refusalOf(wsUrl(berth.url, '/api/v1/ws/events', params), { token: berth.token });
    expect([refusal.status, refusal.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(refusal.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
