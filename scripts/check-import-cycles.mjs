// Fails when src/ has an import cycle: between files (imports that run, `import type` aside) or between
// the folders of src/ (every import, types too: a feature folder that needs another's types depends on it).
// madge --circular sees only the first kind; a folder cycle (users → auth → users) is what hides behind @Global.
//
//   node scripts/check-import-cycles.mjs [root=src]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `./x.js` → the `./x.ts` beside it (nodenext style), or undefined for packages and other files. */
function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function isTypeOnly(statement) {
  if (ts.isExportDeclaration(statement)) return statement.isTypeOnly;
  const clause = statement.importClause;
  if (!clause) return false; // `import './x.js'` runs x
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return (
    !clause.name &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

/** Every relative import of a file: { target, typeOnly }. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnly(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0])) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.flatMap(({ specifier, typeOnly }) => {
    const target = resolveImport(file, specifier);
    return target ? [{ target, typeOnly }] : [];
  });
}

/** Tarjan's strongly connected components with more than one member (or a member that imports itself). */
function cycles(graph) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const connect = (node) => {
    indices.set(node, index);
    lowlinks.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        connect(next);
        lowlinks.set(node, Math.min(lowlinks.get(node), lowlinks.get(next)));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node), indices.get(next)));
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) connect(node);
  return found;
}

const folderOf = (file) => {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 ? parts[0] : '.';
};

const files = new Map();
const folders = new Map();
const folderEdges = new Map();
for (const file of sourceFiles(root)) {
  const runtime = new Set();
  for (const { target, typeOnly } of importsOf(file)) {
    if (!typeOnly) runtime.add(target);
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to) continue;
    if (!folders.has(from)) folders.set(from, new Set());
    folders.get(from).add(to);
    const edge = `${from} → ${to}`;
    if (!folderEdges.has(edge)) folderEdges.set(edge, `${relative(root, file)} imports ${relative(root, target)}`);
  }
  files.set(file, runtime);
}

const problems = [];
for (const component of cycles(files)) {
  problems.push(`files import each other: ${component.map((file) => relative(root, file)).join(', ')}`);
}
for (const component of cycles(folders)) {
  const members = new Set(component);
  const edges = [...folderEdges].filter(([edge]) => edge.split(' → ').every((folder) => members.has(folder)));
  problems.push(
    `folders import each other: ${component.join(', ')}\n${edges.map(([edge, example]) => `    ${edge} (${example})`).join('\n')}`,
  );
}
if (problems.length > 0) {
  console.error(`Import cycles in ${relative(process.cwd(), root) || '.'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`No import cycles in ${relative(process.cwd(), root) || '.'} (${files.size} files, ${folders.size} folders).`);
