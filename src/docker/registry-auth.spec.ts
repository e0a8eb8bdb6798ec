import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../common/metrics.js';
import { DockerEngine } from './docker-engine.js';
import type { RegistryAuth } from './engine-types.js';
import { registryHeader } from './registry-auth.js';

// Chosen so that standard base64 of the JSON has `+`, `/` and padding: what the engine cannot read.
const AUTH: RegistryAuth = { username: 'berth-test', password: '>>>??~~~ab', serveraddress: '127.0.0.1:5001' };
const JSON_TEXT = '{"username":"berth-test","password":">>>??~~~ab","serveraddress":"127.0.0.1:5001"}';
const EXPECTED = 'eyJ1c2VybmFtZSI6ImJlcnRoLXRlc3QiLCJwYXNzd29yZCI6Ij4-Pj8_fn5-YWIiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDEifQ==';

describe('registryHeader', () => {
  it('is the JSON in base64url with its padding, exactly', () => {
    expect(registryHeader(AUTH)).toBe(EXPECTED);
    expect(Buffer.from(EXPECTED, 'base64url').toString('utf8')).toBe(JSON_TEXT);
  });

  it.each([
    [{}, 'e30='],
    [{ a: 'b' }, 'eyJhIjoiYiJ9'],
    [{ a: 'bc' }, 'eyJhIjoiYmMifQ=='],
    [{ p: 'ü' }, 'eyJwIjoiw7wifQ=='],
  ])('%j → %s (padded to a multiple of 4, the UTF-8 bytes counted)', (value, header) => {
    expect(registryHeader(value)).toBe(header);
    expect(header.length % 4).toBe(0);
    expect(header).not.toMatch(/[+/]/);
  });

  it('differs from standard base64 where the engine would fail to decode', () => {
    const standard = Buffer.from(JSON_TEXT).toString('base64');
    expect(standard).toMatch(/[+/]/);
    // Node's base64url drops the padding, which Go's base64.URLEncoding requires.
    expect(Buffer.from(JSON_TEXT).toString('base64url')).not.toMatch(/=$/);
    expect(registryHeader(AUTH)).toMatch(/==$/);
    expect(registryHeader(AUTH)).not.toBe(standard);
  });
});

describe('the registry headers the engine actually receives', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A fake engine that records each request's headers and answers an empty progress stream. */
  async function fakeEngine(): Promise<{ engine: DockerEngine; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      request.on('end', () => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"done"}\n'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { engine: new DockerEngine({ id: 'fake', name: 'fake', url: `tcp://127.0.0.1:${port}` }, new Metrics(), 2000), seen };
  }

  it('a pull sends X-Registry-Auth as padded base64url, byte for byte', async () => {
    const { engine, seen } = await fakeEngine();
    await engine.pullImage('127.0.0.1:5001/team/app:1', AUTH);
    expect(seen[0]['x-registry-auth']).toBe(EXPECTED);
  });

  it('an anonymous pull sends no X-Registry-Auth', async () => {
    const { engine, seen } = await fakeEngine();
    await engine.pullImage('busybox:latest');
    expect(seen[0]['x-registry-auth']).toBeUndefined();
  });

  it('a push sends X-Registry-Auth as padded base64url (`{}` when anonymous: the engine wants one)', async () => {
    const { engine, seen } = await fakeEngine();
    (await engine.openPush('127.0.0.1:5001/team/app', '1', AUTH, new AbortController().signal)).resume();
    (await engine.openPush('127.0.0.1:5001/team/app', '1', undefined, new AbortController().signal)).resume();
    expect(seen.map((headers) => headers['x-registry-auth'])).toEqual([EXPECTED, 'e30=']);
  });

  it('a build sends X-Registry-Config as padded base64url of every registry by server address', async () => {
    const { engine, seen } = await fakeEngine();
    const registryConfig = { '127.0.0.1:5001': AUTH };
    const options = { tags: ['app:1'], contentType: 'application/x-tar', registryConfig };
    (await engine.openBuild(Readable.from([Buffer.alloc(1024)]), options, new AbortController().signal)).resume();
    const header = seen[0]['x-registry-config'] as string;
    expect(header).toBe(registryHeader(registryConfig));
    expect(header).not.toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual(registryConfig);
  });
});
