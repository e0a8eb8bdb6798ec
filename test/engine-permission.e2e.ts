import { chownSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { engineAddress } from './support/engine-link.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/** nobody/nogroup: a user outside the engine socket's group, as compose without DOCKER_GID runs Berth. */
const OUTSIDER = 65534;

describe('an engine whose socket refuses Berth (EACCES)', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    const address = engineAddress();
    if (!('path' in address)) throw new Error('this test needs the engine on a unix socket (DOCKER_HOST=unix://...)');
    if (process.getuid?.() !== 0) throw new Error('this test starts Berth as another user: run the e2e tests as root');
    const socket = statSync(address.path);
    expect(socket.gid, 'the socket must not belong to the outsider group').not.toBe(OUTSIDER);
    expect(socket.mode & 0o007, 'the socket must not be open to others').toBe(0);
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-eacces-'));
    chownSync(dataDir, OUTSIDER, OUTSIDER);
    berth = await startBerth({ uid: OUTSIDER, gid: OUTSIDER, dataDir, env: { DOCKER_HOST: `unix://${address.path}` } });
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('logs one line at start that says what to do', async () => {
    const line = await until(
      () =>
        berth
          .output()
          .split('\n')
          .find((text) => text.includes('ENGINE_PERMISSION_DENIED')),
      () => `a start line about the socket's permission; got:\n${berth.output()}`,
    );
    expect(line).toMatch(/refuses Berth \(EACCES; Berth runs as uid 65534/);
    expect(line).toMatch(/DOCKER_GID/);
    expect(line).toContain(`here: DOCKER_GID=${statSync((engineAddress() as { path: string }).path).gid}`);
    expect(
      berth
        .output()
        .split('\n')
        .filter((text) => text.includes('refuses Berth')),
    ).toHaveLength(1);
  });

  it('answers every engine call 503 ENGINE_PERMISSION_DENIED without Retry-After', async () => {
    for (const path of ['/api/v1/hosts/local/containers', '/api/v1/hosts/local/info', '/api/v1/hosts/local/images']) {
      const response = await api(berth.url, path, { token: berth.token });
      expectProblem(response, 503, 'ENGINE_PERMISSION_DENIED');
      expect(response.body.detail).toMatch(/group that owns the engine's socket.*DOCKER_GID/);
      expect(response.headers.get('retry-after'), path).toBeNull();
    }
  });

  it('is not ready, and /readyz says why; /healthz still says alive', async () => {
    const ready = await api(berth.url, '/readyz');
    expectProblem(ready, 503, 'ENGINE_PERMISSION_DENIED');
    expect(ready.headers.get('retry-after')).toBeNull();
    expect(ready.body.checks).toMatchObject({ database: 'ok', 'host:local': expect.stringMatching(/EACCES.*DOCKER_GID/) });
    expect((await api(berth.url, '/api/v1/hosts', { token: berth.token })).body[0]).toMatchObject({
      status: { state: 'down', reason: expect.stringMatching(/EACCES/) },
    });
    expect((await api(berth.url, '/healthz')).status).toBe(200);
  });
});
