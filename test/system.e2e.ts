import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { docker } from './support/engine.js';
import { api, expectProblem } from './support/http.js';

describe('system endpoints on the real engine', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(() => berth?.stop());

  it('is alive and ready', async () => {
    expect((await api(berth.url, '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api(berth.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', 'host:local': 'ok' });
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await api(berth.url, '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await api(berth.url, '/healthz', { headers: { 'x-request-id': 'bad id\twith tab' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists the local host as up', async () => {
    const hosts = await api(berth.url, '/api/v1/hosts', { token: berth.token });
    expect(hosts.status).toBe(200);
    expect(hosts.body).toEqual([expect.objectContaining({ id: 'local', builtIn: true, status: expect.objectContaining({ state: 'up' }) })]);
  });

  it('answers info, version and disk usage with the engine data, normalised', async () => {
    const engineInfo = await docker.info();
    const info = await api(berth.url, '/api/v1/hosts/local/info', { token: berth.token });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ id: engineInfo.ID, serverVersion: engineInfo.ServerVersion, cpus: engineInfo.NCPU });
    expect(info.body.containers.total).toEqual(expect.any(Number));
    expect(Object.keys(info.body).some((key) => /^[A-Z]/.test(key))).toBe(false);

    const version = await api(berth.url, '/api/v1/hosts/local/version', { token: berth.token });
    expect(version.body.apiVersion).toBe((await docker.version()).ApiVersion);

    const usage = await api(berth.url, '/api/v1/hosts/local/disk-usage', { token: berth.token });
    expect(usage.status).toBe(200);
    expect(usage.body.images.count).toBeGreaterThanOrEqual(1); // the test image at least
    expect(usage.body.totalBytes).toBeGreaterThan(0);
  });

  it('answers 404 HOST_NOT_FOUND for an unknown host', async () => {
    expectProblem(await api(berth.url, '/api/v1/hosts/nowhere/info', { token: berth.token }), 404, 'HOST_NOT_FOUND');
  });

  it('answers 400 VALIDATION_FAILED naming an unknown query field', async () => {
    const response = await api(berth.url, '/api/v1/hosts/local/info?verbose=1', { token: berth.token });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'verbose' })]);
  });

  it('answers problem+json for an unknown route and a malformed JSON body', async () => {
    expectProblem(await api(berth.url, '/api/v1/nothing-here', { token: berth.token }), 404, 'NOT_FOUND');
    const malformed = await api(berth.url, '/api/v1/hosts', {
      method: 'POST',
      body: '{"broken":',
      token: berth.token,
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(malformed, 400, 'BAD_REQUEST');
  });

  it('serves the committed OpenAPI document and Swagger UI', async () => {
    const spec = await api(berth.url, '/openapi.json');
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toContain('/api/v1/hosts/{host}/info');
    const docs = await fetch(`${berth.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });

  it('exposes Prometheus metrics by route pattern, with engine call durations', async () => {
    await api(berth.url, '/api/v1/hosts/local/info', { token: berth.token });
    const metrics = await fetch(`${berth.url}/metrics`, { headers: { authorization: `Bearer ${berth.token}` } });
    const text = await metrics.text();
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/berth_http_requests_total\{method="GET",route="\/api\/v1\/hosts\/:host\/info",status="200"\} \d+/);
    expect(text).toMatch(/berth_engine_call_duration_seconds_count\{host="local",operation="system.info",outcome="ok"\} \d+/);
  });
});

describe('configuration', () => {
  it('stops with one clear line naming a bad variable', async () => {
    await expect(startBerth({ env: { PORT: 'eighty' } })).rejects.toThrow(/exited with 1[\s\S]*PORT="eighty"/);
    await expect(startBerth({ env: { DOCKER_HOST: 'ftp://nope' } })).rejects.toThrow(/DOCKER_HOST/);
    // The first admin follows every user's rules (src/users/user-limits.ts), checked with the rest at start.
    await expect(startBerth({ env: { BERTH_ADMIN_USERNAME: 'no spaces' } })).rejects.toThrow(
      /exited with 1[\s\S]*BERTH_ADMIN_USERNAME="no spaces": .*1-64 letters/,
    );
    const short = startBerth({ env: { BERTH_ADMIN_PASSWORD: 'too-short' } });
    await expect(short).rejects.toThrow(/exited with 1[\s\S]*BERTH_ADMIN_PASSWORD=\[redacted\]: .*12-256 characters/);
    await expect(short).rejects.not.toThrow(/too-short/);
  });
});
