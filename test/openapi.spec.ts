import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/build-app.js';
import { specOperations } from './support/openapi.js';

const run = promisify(execFile);

// No engine and no database: the generator boots the app in preview mode (no provider is created).
describe('openapi/openapi.json', () => {
  let built: string | undefined;
  afterAll(() => {
    if (built) rmSync(built, { recursive: true, force: true });
  });

  it('is what the code generates (run `npm run openapi` and commit when this fails)', async () => {
    built = buildApp();
    const { stdout } = await run(process.execPath, [join(built, 'bin/sync-openapi.js'), '--check'], {
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(stdout).toContain('up to date');
  }, 180_000);

  it('passes the OpenAPI linter', async () => {
    const { stdout, stderr } = await run('npx', ['redocly', 'lint', '--config', 'redocly.yaml', 'openapi/openapi.json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = `${stdout}${stderr}`;
    expect(report).toMatch(/is valid/i);
    expect(report).not.toMatch(/You have \d+ warning/i);
  }, 120_000);

  it('keeps the audit log append-only: no operation writes under /api/v1/audit', () => {
    const audit = specOperations().filter((operation) => /^\/api\/v1\/audit(\/|$)/.test(operation.path));
    expect(audit.map((operation) => operation.method)).toContain('GET');
    expect(audit.filter((operation) => operation.method !== 'GET')).toEqual([]);
  });
});
