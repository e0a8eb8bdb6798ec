import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-base/', '.build-*/', 'node_modules/', 'coverage/', 'data/'] },
  // @hey-api/openapi-ts's output, drift-checked against the spec instead (test/openapi.spec.ts).
  { ignores: ['clients/typescript/src/generated/', 'clients/*/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules are classes with decorators and no body.
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-imports': ['error', { paths: [{ name: 'dockerode', message: 'Only src/docker/ talks to the engine.' }] }],
    },
  },
  {
    // The engine layer, and tests that check the engine's state behind Berth's back.
    files: ['src/docker/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests read answers of many shapes.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
