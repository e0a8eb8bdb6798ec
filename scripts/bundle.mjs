// `npm run build`'s second step (after `nest build`): tsc's dist/bootstrap.js and everything it imports become
// ONE ES module, so a start reads and resolves one file instead of ~2 700 (bench/README.md, "Start time and idle
// memory"). dist/main.js stays tsc's: it sets the start-time heap policy, then imports the bundle, whose external
// packages load after that. dist/bin/* (openapi sync, key rotation) keep running the unbundled files.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRY = 'dist/bootstrap.js';
const MARK = '// Bundled by scripts/bundle.mjs.';

/** Packages left to node at run time. */
const EXTERNAL = [
  // Native addons.
  'better-sqlite3',
  '@node-rs/argon2',
  // Patched through its own module instance (src/docker/engine-paths.ts: refuseEngineRedirects); brings ssh2's native cpu-features.
  'dockerode',
  // Serves swagger-ui-dist's files from its own directory.
  'swagger-ui-express',
  // Optional packages that Nest, ws, ... load only if installed (inside try/catch).
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/platform-socket.io',
  '@fastify/*',
  'class-transformer/storage',
  'bufferutil',
  'utf-8-validate',
];

/** In the bundle, @nestjs/swagger's decorators record nothing: scripts/swagger-noop.mjs says why. */
const swaggerNoop = {
  name: 'swagger-noop',
  setup(build) {
    build.onResolve({ filter: /^@nestjs\/swagger$/ }, () => ({ path: fileURLToPath(new URL('./swagger-noop.mjs', import.meta.url)) }));
  },
};

if (readFileSync(ENTRY, 'utf8').startsWith(MARK)) throw new Error(`${ENTRY} is already a bundle: run \`nest build\` first`);

const { outputFiles } = await build({
  entryPoints: [ENTRY],
  outfile: ENTRY,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Nest's dependency injection and its messages use class names.
  keepNames: true,
  // Node keeps a module's source text for its life: no blanks to keep.
  minifyWhitespace: true,
  external: EXTERNAL,
  plugins: [swaggerNoop],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: `${MARK}\nimport { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);`,
  },
  sourcemap: 'linked',
  logLevel: 'warning',
  // The swagger plugin's metadata repeats `enum` keys; the later one wins, as in tsc's output.
  logOverride: { 'duplicate-object-key': 'silent' },
});
for (const file of outputFiles) {
  // One non-ASCII character (validator's regular expressions) makes V8 hold the whole source as UTF-16: twice the bytes.
  const text = file.path.endsWith('.js')
    ? file.text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : file.text;
  writeFileSync(file.path, text);
}
