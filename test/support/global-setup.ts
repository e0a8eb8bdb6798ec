import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One file per e2e run (its pid): the second engine is taken down after the last run that uses it, not under another. */
const lease = `${process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test'}/e2e-runs/${process.pid}`;

/**
 * The real parts, before any e2e file: engine, test image, registry, the second engine (idempotent, quick when up).
 * After the run: the second engine and its namespace go (`test-engine.sh down`), unless another run still uses it
 * or BERTH_TEST_KEEP_SECOND_ENGINE=1; the first engine and the registries stay.
 */
export default function setup(): () => void {
  if (!existsSync('dist/main.js')) throw new Error('dist/ is missing: run `npm run build` (npm run test:e2e does) first.');
  mkdirSync(dirname(lease), { recursive: true });
  writeFileSync(lease, '');
  execFileSync('bash', ['scripts/test-engine.sh'], { stdio: 'inherit' });
  return () => {
    rmSync(lease, { force: true });
    if (process.env.BERTH_TEST_KEEP_SECOND_ENGINE === '1') return;
    execFileSync('bash', ['scripts/test-engine.sh', 'down', '--unless-in-use'], { stdio: 'inherit', timeout: 120_000 });
  };
}
