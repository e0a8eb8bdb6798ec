import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../common/metrics.js';
import { ProblemException } from '../common/problem.js';
import { DockerEngine } from './docker-engine.js';
import { pathSegment } from './engine-paths.js';

describe('pathSegment', () => {
  it.each([
    ['web', 'web'],
    ['f00d', 'f00d'],
    ['berth-test/busybox:latest', 'berth-test%2Fbusybox%3Alatest'],
    ['sha256:abc', 'sha256%3Aabc'],
    ['info?a=', 'info%3Fa%3D'],
    ['a b#c&d', 'a%20b%23c%26d'],
    ['web%2F', 'web%252F'],
    ['x\r\nHost: y', 'x%0D%0AHost%3A%20y'],
  ])('encodes %j as one segment: %s', (value, segment) => {
    expect(pathSegment(value)).toBe(segment);
  });

  it.each(['', '.', '..', '../../info?a=', 'web/../../info', 'a//b', 'web/', '/web'])(
    'refuses %j: the engine would still clean it into another path',
    (value) => {
      expect(() => pathSegment(value)).toThrow(ProblemException);
    },
  );
});

describe('DockerEngine on a fake engine', () => {
  const servers: Array<Server | TcpServer> = [];
  let metrics: Metrics;
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function listen<S extends Server | TcpServer>(server: S): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  /** An engine that answers every request with `answer` and records the raw paths it got. */
  async function fakeEngine(
    answer: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<{ client: DockerEngine; paths: string[] }> {
    const paths: string[] = [];
    const port = await listen(
      createServer((request, response) => {
        paths.push(request.url ?? '');
        answer(request, response);
      }),
    );
    metrics = new Metrics();
    return { client: new DockerEngine({ id: 'fake', name: 'fake', url: `tcp://127.0.0.1:${port}` }, metrics, 2000), paths };
  }

  /** Another address that must never be dialled. */
  async function bystander(): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const port = await listen(createTcpServer((socket) => (connections++, socket.destroy())));
    return { port, connections: () => connections };
  }

  it('sends every id as one encoded segment', async () => {
    const { client, paths } = await fakeEngine((request, response) => {
      const kind = request.url?.startsWith('/images/') ? 'image' : 'container';
      response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: `No such ${kind}: x` }));
    });
    await expect(client.inspectContainer('info?a=b c')).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND' });
    await expect(client.startContainer('web#x')).rejects.toBeInstanceOf(ProblemException);
    await expect(client.imageExists('localhost:5001/team/app:1.0')).resolves.toBe(false);
    expect(paths).toEqual([
      '/containers/info%3Fa%3Db%20c/json',
      '/containers/web%23x/start',
      '/images/localhost%3A5001%2Fteam%2Fapp%3A1.0/json',
    ]);
  });

  it('never sends a path that climbs: .. is refused before any request', async () => {
    const { client, paths } = await fakeEngine((_request, response) => response.writeHead(200).end('{}'));
    await expect(client.inspectContainer('../../info?a=')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.streamTarget('..')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(paths).toEqual([]);
  });

  it.each([301, 302, 307, 308])('treats a %i from the engine as an engine error and never follows Location', async (status) => {
    const other = await bystander();
    const { client, paths } = await fakeEngine((_request, response) => {
      response.writeHead(status, { Location: `http://127.0.0.1:${other.port}/probe?a=` }).end('moved');
    });
    await expect(client.info()).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    await expect(client.inspectContainer('web')).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    // A stream (dialled raw, read to its end for the cause) too.
    await expect(client.openStats({ id: 'web', name: 'web', tty: false, running: true })).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
    expect(paths).toHaveLength(3);
    // Give a follow-up request every chance to arrive before checking that none did.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.connections()).toBe(0);
  });

  it('reads a log snapshot as LogLine objects, asking the engine for exactly the window given', async () => {
    const { client, paths } = await fakeEngine((_request, response) => response.writeHead(200).end('one\r\ntwo\nthree'));
    const lines = await client.openLogLines(
      { id: 'web', name: 'web', tty: true, running: false },
      { follow: false, stdout: true, stderr: false, timestamps: false, tail: 2, since: '10.000000000', until: '20.500000000' },
    );
    expect(await lines.toArray()).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stdout', line: 'three' },
    ]);
    expect(paths).toEqual([
      '/containers/web/logs?follow=false&stdout=true&stderr=false&timestamps=false&tail=2&since=10.000000000&until=20.500000000',
    ]);
  });

  it('labels every engine call resource.operation in the metrics', async () => {
    const { client } = await fakeEngine((request, response) => {
      if (request.url?.endsWith('/logs?follow=true&stdout=true&stderr=true&timestamps=true&tail=all'))
        return void response.writeHead(200).end();
      response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'No such container: x' }));
    });
    await client.inspectContainer('x').catch(() => undefined);
    await client.stopContainer('x').catch(() => undefined);
    await client.imageExists('x').catch(() => undefined);
    await client.inspectVolume('x').catch(() => undefined);
    await client.info().catch(() => undefined);
    (await client.openLogLines({ id: 'x', name: 'x', tty: false, running: true }, { follow: true, stdout: true, stderr: true })).destroy();
    const operations = (await metrics.engineDuration.get()).values.map((value) => String(value.labels.operation));
    expect(new Set(operations)).toEqual(
      new Set(['container.inspect', 'container.stop', 'image.inspect', 'volume.inspect', 'system.info', 'container.logs']),
    );
  });
});
