import { createClient } from '@hey-api/openapi-ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import clientConfig, { GENERATED_DIR } from '../clients/typescript/openapi-ts.config.js';
import { buildApp } from './support/build-app.js';
import { specOperations } from './support/openapi.js';

const run = promisify(execFile);

/** Every file under `dir`, by its path relative to it, with its text. */
function filesUnder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .map((path) => [relative(dir, path), readFileSync(path, 'utf8')]),
  );
}

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

  it('is what clients/typescript/src/generated was generated from (run `npm run openapi` and commit when this fails)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'berth-client-'));
    try {
      const config = await clientConfig;
      const output = config.output;
      if (typeof output !== 'object' || Array.isArray(output)) throw new Error('expected one output object in the client config');
      await createClient({ ...config, output: { ...output, path: fresh }, logs: { level: 'error', file: false } });
      expect(filesUnder(GENERATED_DIR)).toEqual(filesUnder(fresh));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);

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
