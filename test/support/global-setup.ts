import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The real parts, before any e2e file: engine, test image, registry (idempotent, quick when up). */
export default function setup(): void {
  if (!existsSync('dist/main.js')) throw new Error('dist/ is missing: run `npm run build` (npm run test:e2e does) first.');
  execFileSync('bash', ['scripts/test-engine.sh'], { stdio: 'inherit' });
}
