// The REST part of the client, generated from the committed spec by `npm run openapi` (repository root).
// Paths are relative to this file so that the generator and the drift test (test/openapi.spec.ts) agree.
import { defineConfig } from '@hey-api/openapi-ts';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const GENERATED_DIR = here('./src/generated');

export default defineConfig({
  input: here('../../openapi/openapi.json'),
  output: { path: GENERATED_DIR, module: { extension: '.js' }, tsConfigPath: here('./tsconfig.json') },
  // The fetch client is copied into the output: the package has no runtime dependency.
  plugins: ['@hey-api/typescript', '@hey-api/sdk', '@hey-api/client-fetch'],
});
