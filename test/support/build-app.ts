import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

const require = createRequire(import.meta.url);

type Transformers = Required<Pick<ts.CustomTransformers, 'before' | 'after' | 'afterDeclarations'>>;
type CompilerPlugin = { [hook in keyof Transformers]?: (options: unknown, program: ts.Program) => Transformers[hook][number] };

/**
 * Compiles src/ as `nest build` does (tsconfig.build.json, nest-cli.json's plugins: the swagger
 * plugin writes the DTO metadata the spec is made of) into a fresh directory beside dist/, so
 * `../openapi` and `../package.json` resolve as they do from dist/ and dist/ itself is left alone.
 */
export function buildApp(): string {
  const outDir = mkdtempSync(join(process.cwd(), '.build-'));
  const nest = JSON.parse(readFileSync('nest-cli.json', 'utf8')) as {
    compilerOptions: { tsConfigPath: string; plugins?: { name: string; options?: unknown }[] };
  };
  const config = ts.getParsedCommandLineOfConfigFile(
    nest.compilerOptions.tsConfigPath,
    { outDir },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: fail },
  );
  if (!config) throw new Error(`cannot read ${nest.compilerOptions.tsConfigPath}`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const transformers: Transformers = { before: [], after: [], afterDeclarations: [] };
  for (const { name, options } of nest.compilerOptions.plugins ?? []) {
    const plugin = require(`${name}/plugin`) as CompilerPlugin;
    for (const hook of ['before', 'after', 'afterDeclarations'] as const) {
      const factory = plugin[hook];
      if (factory) (transformers[hook] as unknown[]).push(factory(options ?? {}, program));
    }
  }
  const emitted = program.emit(undefined, undefined, undefined, undefined, transformers);
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) fail(diagnostics[0]);
  return outDir;
}

function fail(diagnostic: ts.Diagnostic): never {
  throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}
