// `npm run build`'s second step (after `nest build`): tsc's dist/bootstrap.js and everything it imports become
// ONE ES module, so a start reads and resolves one file instead of ~2 700 (bench/README.md, "Start time and idle
// memory"). dist/main.js stays tsc's: it sets the start-time heap policy, then imports the bundle, whose external
// packages load after that. dist/bin/* (openapi sync, key rotation) keep running the unbundled files.
import { build } from 'esbuild';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `node scripts/bundle.mjs [dir]`: tsc's output directory, dist by default. */
const ENTRY = `${process.argv[2] ?? 'dist'}/bootstrap.js`;
const MARK = '// Bundled by scripts/bundle.mjs.';

/** Packages left to node at run time. */
const EXTERNAL = [
  // Native addons.
  'better-sqlite3',
  '@node-rs/argon2',
  // Patched through its own module instance (src/docker/engine-paths.ts: refuseEngineRedirects); brings ssh2's native cpu-features.
  'dockerode',
  // Swagger UI's files, found from its own directory (swagger-ui-express, bundled, shares the bundle's express).
  'swagger-ui-dist',
  'swagger-ui-dist/*',
  // Optional packages that Nest, ws, ... load only if installed (inside try/catch).
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/platform-socket.io',
  '@fastify/*',
  'class-transformer/storage',
  'bufferutil',
  'utf-8-validate',
];

/**
 * Packages whose `node` entry is CommonJS (bundled whole) while they ship ES modules (trimmed to what is used).
 * Every import of them in the bundle resolves here, so there is one copy of each (one metadata storage).
 */
const ES_MODULE_ENTRIES = {
  rxjs: 'rxjs/dist/esm/index.js',
  'rxjs/operators': 'rxjs/dist/esm/operators/index.js',
  'class-validator': 'class-validator/esm2015/index.js',
  'class-transformer': 'class-transformer/esm2015/index.js',
};
const esModules = {
  name: 'es-modules',
  setup(build) {
    build.onResolve({ filter: /^(rxjs|rxjs\/operators|class-validator|class-transformer)$/ }, (args) => ({
      // The real path, as esbuild resolves every other file: one copy whichever way a file is reached.
      path: realpathSync(fileURLToPath(new URL(`../node_modules/${ES_MODULE_ENTRIES[args.path]}`, import.meta.url))),
    }));
  },
};

/** In the bundle, @nestjs/swagger's decorators record nothing: scripts/swagger-noop.mjs says why. */
const swaggerNoop = {
  name: 'swagger-noop',
  setup(build) {
    build.onResolve({ filter: /^@nestjs\/swagger$/ }, () => ({ path: fileURLToPath(new URL('./swagger-noop.mjs', import.meta.url)) }));
  },
};

if (readFileSync(ENTRY, 'utf8').startsWith(MARK)) throw new Error(`${ENTRY} is already a bundle: run \`nest build\` first`);

const { outputFiles, metafile } = await build({
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
  plugins: [swaggerNoop, esModules],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: `${MARK}\nimport { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);`,
  },
  sourcemap: 'linked',
  logLevel: 'warning',
  // `BUNDLE_REPORT=1 node scripts/bundle.mjs`: what each package weighs in the bundle.
  metafile: Boolean(process.env.BUNDLE_REPORT),
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
if (metafile) {
  const out = Object.entries(metafile.outputs).find(([k]) => k.endsWith('.js'))[1];
  const byPkg = {};
  for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1] : 'berth';
    byPkg[key] = (byPkg[key] ?? 0) + bytesInOutput;
  }
  for (const [k, v] of Object.entries(byPkg)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25))
    console.log(k, (v / 1024).toFixed(0), 'KB');
}
