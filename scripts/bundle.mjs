// `npm run build`'s second step (after `nest build`): tsc's dist/bootstrap.js and everything it imports become
// ONE ES module, so a start reads and resolves one file instead of ~2 700 (bench/README.md, "Start time and idle
// memory"). dist/main.js stays tsc's: it sets the start-time heap policy, then imports the bundle, whose external
// packages load after that. dist/bin/* (openapi sync, key rotation) keep running the unbundled files.
import { build } from 'esbuild';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pruneKeptNames } from './bundle-names.mjs';

/** `node scripts/bundle.mjs [dir]`: tsc's output directory, dist by default. */
const ENTRY = `${process.argv[2] ?? 'dist'}/bootstrap.js`;
const MARK = '// Bundled by scripts/bundle.mjs.';

/** Packages left to node at run time. */
const EXTERNAL = [
  // Native addons.
  'better-sqlite3',
  '@node-rs/argon2',
  // Loaded on first use only (lazyEngineTransports): ssh:// engines and BuildKit sessions; ssh2 brings a native addon.
  'ssh2',
  '@grpc/*',
  'protobufjs',
  'protobufjs/*',
  // Swagger UI's files, found from its own directory (swagger-ui-express, bundled, shares the bundle's express).
  'swagger-ui-dist',
  'swagger-ui-dist/*',
  // Optional packages that Nest, ws, ... load only if installed (inside try/catch).
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/platform-socket.io',
  '@fastify/*',
  'class-transformer/storage',
  // Required on first use only (lazyPhoneNumbers).
  'libphonenumber-js',
  'libphonenumber-js/*',
  'bufferutil',
  'utf-8-validate',
];

/**
 * Packages whose `node` entry is CommonJS (bundled whole) while they ship ES modules (trimmed to what is used).
 * Every import of them in the bundle resolves here, so there is one copy of each.
 */
const ES_MODULE_ENTRIES = {
  rxjs: 'rxjs/dist/esm/index.js',
  'rxjs/operators': 'rxjs/dist/esm/operators/index.js',
};
const esModules = {
  name: 'es-modules',
  setup(build) {
    build.onResolve({ filter: /^(rxjs|rxjs\/operators)$/ }, (args) => ({
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

/**
 * dockerode and docker-modem are bundled, but the transports Berth rarely needs load on first use, from node_modules:
 * docker-modem's ./ssh (ssh2, ~14 MB with its WebAssembly) and dockerode's ./session and ./buildkit (gRPC, protobufjs).
 * docker-modem's ./http stays node's module too: refuseEngineRedirects (src/docker/engine-paths.ts) patches that instance.
 */
const ENGINE_MODULES = {
  'docker-modem': { './http': 'docker-modem/lib/http.js', './ssh': 'docker-modem/lib/ssh.js' },
  dockerode: { './session': 'dockerode/lib/session.js', './buildkit': 'dockerode/lib/buildkit.js' },
};
/** The exact source text made lazy: a dependency update that changes it fails the build instead of undoing this. */
const LAZY_REQUIRES = {
  'docker-modem/lib/modem.js': [
    "  ssh = require('./ssh'),\n",
    "  ssh = function () { return require('./ssh').apply(this, arguments); },\n",
  ],
  'dockerode/lib/docker.js': [
    "  withSession = require('./session'),\n",
    "  withSession = function () { return require('./session').apply(this, arguments); },\n",
  ],
};
const packageLib = (path) => /node_modules\/(docker-modem|dockerode)\/(lib\/[^/]+\.js)$/.exec(path.replaceAll('\\', '/'));
/** What lazyEngineTransports applied to: all of it, or the build fails. */
const seen = new Set();
const lazyEngineTransports = {
  name: 'lazy-engine-transports',
  setup(build) {
    build.onResolve({ filter: /^\.\/(http|ssh|session|buildkit)$/ }, (args) => {
      const lib = packageLib(join(args.resolveDir, 'x.js'));
      const target = lib && ENGINE_MODULES[lib[1]]?.[args.path];
      if (!target) return undefined;
      // Node must find the very file esbuild would have bundled (one docker-modem, where dockerode finds it).
      const fromBundle = realpathSync(bundleRequire.resolve(target));
      const fromPackage = realpathSync(join(args.resolveDir, `${args.path}.js`));
      if (fromBundle !== fromPackage) throw new Error(`${target} resolves to ${fromBundle} from dist, ${fromPackage} from ${lib[1]}`);
      seen.add(target);
      return { path: target, external: true };
    });
    build.onLoad({ filter: /node_modules[\\/](docker-modem|dockerode)[\\/]lib[\\/](modem|docker)\.js$/ }, (args) => {
      const lib = packageLib(args.path);
      const key = `${lib[1]}/${lib[2]}`;
      const source = readFileSync(args.path, 'utf8');
      const [eager, lazy] = LAZY_REQUIRES[key];
      if (source.split(eager).length !== 2)
        throw new Error(`${key}: \`${eager.trim()}\` not found once: update LAZY_REQUIRES in scripts/bundle.mjs`);
      seen.add(key);
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};
/**
 * Nest's two loggers build an `Intl.DateTimeFormat` when their module loads, for the timestamps of console lines
 * Berth never prints (its logs go through pino): ICU's locale data then stays mapped (~5 MB of idle RSS) and costs
 * the start ~30 ms. In the bundle they build it on their first line instead. Exact text, or the build fails.
 */
const EAGER_CLOCK = 'const dateTimeFormatter = new Intl.DateTimeFormat(undefined, {';
const LAZY_CLOCK = 'const dateTimeFormatter = lazyDateTimeFormat(undefined, {';
// Appended, and hoisted: the file's lines stay where its source map says.
const LAZY_CLOCK_HELPER =
  '\nfunction lazyDateTimeFormat(locales, options) { let made; return { format: (date) => (made ??= new Intl.DateTimeFormat(locales, options)).format(date) }; }\n';
const CLOCK_FILES = ['console-logger.service.js', 'logger.service.js'];
const lazyClock = {
  name: 'lazy-clock',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]@nestjs[\\/]common[\\/]services[\\/](console-logger|logger)\.service\.js$/ }, (args) => {
      const file = args.path.split(/[\\/]/).at(-1);
      const source = readFileSync(args.path, 'utf8');
      // The formatter is only ever asked to format: the lazy one answers that alone.
      const uses = source.split('dateTimeFormatter').length - 1;
      const formats = source.split('dateTimeFormatter.format(').length - 1;
      if (source.split(EAGER_CLOCK).length !== 2 || uses !== formats + 1)
        throw new Error(`@nestjs/common/services/${file}: its dateTimeFormatter changed: update lazyClock in scripts/bundle.mjs`);
      seen.add(file);
      return { contents: source.replace(EAGER_CLOCK, LAZY_CLOCK) + LAZY_CLOCK_HELPER, loader: 'js' };
    });
  },
};
/**
 * iconv-lite's encodings (its code pages' tables, ~0.5 MB of source the bundle would hold for life) load from
 * node_modules when a body first needs decoding, as iconv-lite itself defers them (`require("../encodings")`).
 */
const ICONV_ENCODINGS = 'iconv-lite/encodings/index.js';
const lazyIconvEncodings = {
  name: 'lazy-iconv-encodings',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/encodings$/ }, (args) => {
      if (!/node_modules[\\/]iconv-lite[\\/]lib$/.test(args.resolveDir)) return undefined;
      // Node must find the very copy whose lib/ asks for it.
      const fromBundle = realpathSync(bundleRequire.resolve(ICONV_ENCODINGS));
      const fromPackage = realpathSync(join(args.resolveDir, '../encodings/index.js'));
      if (fromBundle !== fromPackage)
        throw new Error(`${ICONV_ENCODINGS} resolves to ${fromBundle} from dist, ${fromPackage} from iconv-lite`);
      seen.add(ICONV_ENCODINGS);
      return { path: ICONV_ENCODINGS, external: true };
    });
  },
};
const bundleRequire = createRequire(resolve(ENTRY));
/**
 * class-validator and class-transformer are bundled, one copy each (one metadata storage each): @nestjs/mapped-types
 * (PartialType, OmitType) reaches them with `require` made by its own createRequire, which node would answer from
 * node_modules (a second copy, the ~320 files of class-validator, validator and libphonenumber-js at every start).
 * Without that line, its `require` calls are the bundle's. Exact text, or the build fails.
 */
const MAPPED_TYPES_REQUIRE = 'const require = createRequire(import.meta.url);\n';
const mappedTypesRequire = {
  name: 'mapped-types-require',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]@nestjs[\\/]mapped-types[\\/]dist[\\/]type-helpers\.utils\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(MAPPED_TYPES_REQUIRE).length !== 2)
        throw new Error('@nestjs/mapped-types: its createRequire changed: update mappedTypesRequire in scripts/bundle.mjs');
      seen.add(MAPPED_TYPES_REQUIRE);
      return { contents: source.replace(MAPPED_TYPES_REQUIRE, '\n'), loader: 'js' };
    });
  },
};

/**
 * class-validator's IsPhoneNumber (unused by Berth) requires libphonenumber-js and its metadata when its module loads:
 * ~370 KB of the bundle, held for life, and tens of ms of each start. In the bundle it is required on first use, from
 * node_modules, as node would have found it from class-validator. Exact text, or the build fails.
 */
const EAGER_PHONE = 'const max_1 = require("libphonenumber-js/max");\n';
const LAZY_PHONE = 'const max_1 = { parsePhoneNumber: (...args) => require("libphonenumber-js/max").parsePhoneNumber(...args) };\n';
const lazyPhoneNumbers = {
  name: 'lazy-phone-numbers',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]class-validator[\\/]cjs[\\/]decorator[\\/]string[\\/]IsPhoneNumber\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const uses = source.split('max_1').length - 1;
      if (source.split(EAGER_PHONE).length !== 2 || uses !== 2 || !source.includes('(0, max_1.parsePhoneNumber)('))
        throw new Error('class-validator/cjs/decorator/string/IsPhoneNumber.js changed: update lazyPhoneNumbers in scripts/bundle.mjs');
      // Node must find the very copy class-validator would have loaded.
      const fromBundle = realpathSync(bundleRequire.resolve('libphonenumber-js/max'));
      const fromPackage = realpathSync(createRequire(args.path).resolve('libphonenumber-js/max'));
      if (fromBundle !== fromPackage)
        throw new Error(`libphonenumber-js/max resolves to ${fromBundle} from dist, ${fromPackage} from class-validator`);
      seen.add(EAGER_PHONE);
      return { contents: source.replace(EAGER_PHONE, LAZY_PHONE), loader: 'js' };
    });
  },
};

/**
 * An ES module's `import` of a bundled CommonJS package copies all its exports into a new object, at each importing
 * file: class-validator's 341 exports, in ~36 of Berth's files. Imported through this module instead, which reads
 * them once from the bundle's `require` of the same copy (require() calls are left to esbuild, bundled as usual).
 */
const CJS_FACADES = ['class-validator', 'class-transformer'];
const cjsFacades = {
  name: 'cjs-facades',
  setup(build) {
    const filter = new RegExp(`^(${CJS_FACADES.join('|')})$`);
    build.onResolve({ filter }, (args) => (args.kind === 'require-call' ? undefined : { path: args.path, namespace: 'cjs-facade' }));
    build.onLoad({ filter: /.*/, namespace: 'cjs-facade' }, (args) => {
      const names = Object.keys(bundleRequire(args.path)).filter((name) => name !== '__esModule' && name !== 'default');
      if (names.length === 0) throw new Error(`cjs-facades: ${args.path} exports nothing`);
      seen.add(`cjs-facade:${args.path}`);
      const contents = `const m = require(${JSON.stringify(args.path)});\nexport const { ${names.join(', ')} } = m;\nexport default m;\n`;
      return { contents, loader: 'js', resolveDir: resolve('.') };
    });
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
  // Shorter code (constant folding, dead branches): the same names, so keepNames changes nothing here.
  minifySyntax: true,
  external: EXTERNAL,
  plugins: [swaggerNoop, esModules, lazyEngineTransports, lazyClock, lazyIconvEncodings, mappedTypesRequire, lazyPhoneNumbers, cjsFacades],
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
const missing = [...Object.keys(LAZY_REQUIRES), ...Object.values(ENGINE_MODULES).flatMap(Object.values)].filter((key) => !seen.has(key));
if (missing.length) throw new Error(`lazy-engine-transports never applied to ${missing.join(', ')}: dockerode's layout changed`);
const clocks = CLOCK_FILES.filter((file) => !seen.has(file));
if (clocks.length) throw new Error(`lazy-clock never applied to @nestjs/common's ${clocks.join(', ')}: its layout changed`);
const unfaced = CJS_FACADES.filter((name) => !seen.has(`cjs-facade:${name}`));
if (unfaced.length) throw new Error(`cjs-facades never applied to ${unfaced.join(', ')}`);
if (!seen.has(EAGER_PHONE)) throw new Error("lazy-phone-numbers never applied: class-validator's layout changed");
if (!seen.has(MAPPED_TYPES_REQUIRE)) throw new Error("mapped-types-require never applied: @nestjs/mapped-types' layout changed");
if (!seen.has(ICONV_ENCODINGS)) throw new Error("lazy-iconv-encodings never applied: iconv-lite's layout changed");
for (const file of outputFiles) {
  if (!file.path.endsWith('.js')) {
    writeFileSync(file.path, file.text);
    continue;
  }
  // One non-ASCII character (validator's regular expressions) makes V8 hold the whole source as UTF-16: twice the bytes.
  const ascii = file.text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const { code, removed } = pruneKeptNames(ascii);
  // A bundle where none is found was written differently by esbuild: see scripts/bundle-names.mjs.
  if (removed === 0) throw new Error('no `__name` call of keepNames was found to prune: update scripts/bundle-names.mjs');
  writeFileSync(file.path, code);
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
