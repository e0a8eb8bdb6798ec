import { createServer, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { Refusal, logLines, openWs, refusalOf } from './support/ws.js';

// Issue 8, finding 3: a container reference from a client reached the engine path as it was.
// `../../info?a=` made the engine answer 301, docker-modem followed it to a host named `info`
// and the unhandled error ended the process; `../../127.0.0.1:<port>/probe?a=` sent a GET to
// any address; `<name>/logs?follow=1&a=` turned an inspect into an endless log read.

const runId = newRunId();

describe('container references that try to leave the engine path', () => {
  let berth: BerthProcess;
  let bystander: Server;
  let bystanderPort = 0;
  let bystanderConnections = 0;
  let name = '';
  const keys: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

  beforeAll(async () => {
    // Another address on this machine: nothing Berth does on a client's behalf may reach it.
    bystander = createServer((socket) => {
      bystanderConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
    bystanderPort = (bystander.address() as { port: number }).port;

    // A real, running, chatty container, so that `<name>/logs?follow=1` would have a log to stream.
    name = uniqueName('paths');
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      name,
      Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'],
      Labels: testLabels(runId),
    });
    await container.start();

    berth = await startBerth();
    keys.viewer = await credentialFor(berth, 'viewer');
    keys.operator = await credentialFor(berth, 'operator');
  });

  afterAll(async () => {
    await berth?.stop();
    await new Promise((resolve) => bystander?.close(resolve));
    await removeTestResources(runId);
  });

  const attacks = () => [
    '../../info?a=',
    `../../127.0.0.1:${bystanderPort}/probe?a=`,
    `${name}/logs?follow=1&a=`,
    `${name}/logs?follow=1`,
    `${name}/../../info`,
    '..',
    `..%2F..%2F127.0.0.1:${bystanderPort}%2Fprobe%3Fa%3D`,
  ];
  // Exec needs an operator; logs and stats are a viewer's.
  const channels = [
    { channel: 'logs', role: 'viewer' },
    { channel: 'stats', role: 'viewer' },
    { channel: 'exec', role: 'operator' },
  ] as const;

  /** The refusal the REST path gives: the reference is not found, or (with a stray `&a=`) the query has an unknown field. */
  const refusedAsRest = (refusal: Refusal) =>
    refusal.contentType.startsWith('application/problem+json') &&
    ((refusal.status === 404 && refusal.body?.code === 'CONTAINER_NOT_FOUND') ||
      (refusal.status === 400 && refusal.body?.code === 'VALIDATION_FAILED'));

  /** The upgrade URL exactly as an attacker types it: the value is not encoded, `?` and `/` included. */
  const attackUrl = (channel: string, container: string, ticket?: string) =>
    `${berth.url.replace(/^http/, 'ws')}/api/v1/ws/${channel}?${ticket ? `ticket=${ticket}&` : ''}container=${container}`;

  async function expectAlive(): Promise<void> {
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    const list = await api(berth.url, `/api/v1/hosts/local/containers?name=${name}`, { token: berth.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toContain(name);
  }

  for (const { channel, role } of channels) {
    for (const auth of ['header', 'ticket'] as const) {
      it(`/ws/${channel} with a ${role}'s ${auth}: every such container is refused (404 CONTAINER_NOT_FOUND), the process lives, no other address is dialled`, async () => {
        const failures: string[] = [];
        for (const container of attacks()) {
          let ticket: string | undefined;
          if (auth === 'ticket') {
            const issued = await api(berth.url, '/api/v1/ws/tickets', { method: 'POST', token: keys[role] });
            expect(issued.status).toBe(201);
            ticket = issued.body.ticket;
          }
          const refusal = await refusalOf(attackUrl(channel, container, ticket), auth === 'header' ? { token: keys[role] } : {});
          // Only a stray parameter may make it a 400; without one the container rule must be what refuses.
          const expected = refusedAsRest(refusal) && (refusal.status === 404 || container.includes('&'));
          if (!expected) {
            failures.push(`${container}: ${refusal.status} ${refusal.contentType} ${JSON.stringify(refusal.body).slice(0, 200)}`);
          }
          await expectAlive();
        }
        expect(failures).toEqual([]);
        expect(bystanderConnections).toBe(0);
        expect(berth.output()).not.toMatch(/uncaught exception|unhandled rejection/);
      });
    }
  }

  it('the REST path refuses the same references with the same answer', async () => {
    // A bare `..` is resolved by the client itself into another route, so it is not this test's.
    for (const container of attacks().filter((ref) => ref !== '..')) {
      const path = `/api/v1/hosts/local/containers/${encodeURIComponent(container)}`;
      expectProblem(await api(berth.url, path, { token: keys.viewer }), 404, 'CONTAINER_NOT_FOUND');
      expectProblem(await api(berth.url, `${path}/stats`, { token: keys.viewer }), 404, 'CONTAINER_NOT_FOUND');
      expectProblem(await api(berth.url, `${path}/logs`, { token: keys.viewer }), 404, 'CONTAINER_NOT_FOUND');
    }
    await expectAlive();
    expect(bystanderConnections).toBe(0);
  });

  it('a well-formed reference still streams: the rule refuses only what the engine cannot name', async () => {
    const socket = await openWs(`${berth.url.replace(/^http/, 'ws')}/api/v1/ws/logs?container=${name}&follow=false&tail=1`, {
      token: keys.viewer,
    });
    expect((await socket.closed).code).toBe(1000);
    expect(logLines(socket.frames).map((line) => line.line)).toEqual(['tick']);
    const absent = await refusalOf(`${berth.url.replace(/^http/, 'ws')}/api/v1/ws/logs?container=berth-fuzz-${runId}-absent`, {
      token: keys.viewer,
    });
    expect([absent.status, absent.body.code]).toEqual([404, 'CONTAINER_NOT_FOUND']);
  });
});
