import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { EngineLink } from './support/engine-link.js';
import { api, expectProblem } from './support/http.js';

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
    expect((await api(berth.url, '/api/v1/hosts', { token: berth.token })).body[0].status.state).toBe('down');
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
