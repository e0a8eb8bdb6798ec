import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('openapi/openapi.json', () => {
  it('is what the code generates (run `npm run openapi` and commit when this fails)', async () => {
    const { stdout } = await run(process.execPath, ['dist/bin/sync-openapi.js', '--check']);
    expect(stdout).toContain('up to date');
  });

  it('passes the OpenAPI linter', async () => {
    const { stdout, stderr } = await run('npx', ['redocly', 'lint', '--config', 'redocly.yaml', 'openapi/openapi.json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = `${stdout}${stderr}`;
    expect(report).toMatch(/is valid/i);
    expect(report).not.toMatch(/You have \d+ warning/i);
  }, 120_000);
});
