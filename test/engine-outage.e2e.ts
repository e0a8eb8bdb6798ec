import { mkdtempSync } from 'node:fs';
import { Server, Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { api, expectProblem } from './support/http.js';

/**
 * A unix socket in front of the real engine that the test can cut or make hang: the engine
 * goes away and comes back while Berth keeps running, without stopping the machine's dockerd.
 */
class EngineLink {
  readonly path = join(mkdtempSync(join(tmpdir(), 'berth-link-')), 'docker.sock');
  mode: 'pass' | 'hang' = 'pass';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  async up(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.mode === 'hang') return; // accept, never answer
      const engine = connect('/var/run/docker.sock');
      engine.on('error', () => client.destroy());
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

describe('engine outage and recovery', () => {
  const link = new EngineLink();
  let berth: BerthProcess;

  beforeAll(async () => {
    await link.up();
    berth = await startBerth({ env: { DOCKER_HOST: `unix://${link.path}`, BERTH_ENGINE_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await berth?.stop();
    await link.down();
  });

  it('answers 503 ENGINE_UNAVAILABLE with Retry-After when the engine is gone, then recovers', async () => {
    expect((await api(berth.url, '/api/v1/hosts/local/info', { token: berth.token })).status).toBe(200);

    await link.down();
    const info = await api(berth.url, '/api/v1/hosts/local/info', { token: berth.token });
    expectProblem(info, 503, 'ENGINE_UNAVAILABLE');
    expect(info.headers.get('retry-after')).toBe('5');
    expectProblem(await api(berth.url, '/readyz'), 503, 'ENGINE_UNAVAILABLE');
    expect((await api(berth.url, '/api/v1/hosts', { token: berth.token })).body[0].status).toBe('down');
    expect((await api(berth.url, '/healthz')).status).toBe(200);

    await link.up();
    expect((await api(berth.url, '/api/v1/hosts/local/info', { token: berth.token })).status).toBe(200);
    expect((await api(berth.url, '/readyz')).status).toBe(200);
  });

  it('answers 503 when the engine accepts but never answers, bounded by the engine timeout', async () => {
    await link.down();
    link.mode = 'hang';
    await link.up();
    try {
      expectProblem(await api(berth.url, '/api/v1/hosts/local/version', { token: berth.token }), 503, 'ENGINE_UNAVAILABLE');
      expectProblem(await api(berth.url, '/readyz'), 503, 'ENGINE_UNAVAILABLE');
    } finally {
      await link.down();
      link.mode = 'pass';
      await link.up();
    }
    expect((await api(berth.url, '/api/v1/hosts/local/version', { token: berth.token })).status).toBe(200);
  });
});
