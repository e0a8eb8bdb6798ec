// esbuild's keepNames wraps every function and class of the bundle in `__name(target, "name")` (a defineProperty
// each: ~80 ms of a start's CPU), because it renames on collisions (tsc's `let X = X_1 = class X` becomes
// `class X2`, and Nest's messages and Berth's problems use class names). Most calls set the name the function or
// class already has natively; those are blanked out here, spaces of the same length, so the source map still holds.

const ID = '[A-Za-z_$][\\w$]*';
/** Calls that restate a native name, and why it is native. */
const NO_OPS = [
  // `class X{static{__name(this,"X")}` (and `class X extends Y{...`): a class declaration or named expression.
  new RegExp(`(?<=\\bclass (${ID})(?: extends [^{}()]+)?\\{)static\\{__name\\(this,"\\1"\\)\\}`, 'g'),
  // `X=class{static{__name(this,"X")}`: an anonymous class assigned to X is named X (not after `.`: a property).
  new RegExp(`(?<=(?<![\\w$.])(${ID})=class(?: extends [^{}()]+)?\\{)static\\{__name\\(this,"\\1"\\)\\}`, 'g'),
];
/** `}__name(f,"f");`, a statement: esbuild writes it after a hoisted `function f(`, which is named f. */
const STATEMENT = new RegExp(`(?<=[;}])__name\\((${ID}),"\\1"\\);`, 'g');
const FUNCTION = new RegExp(`\\bfunction\\*? ?(${ID})\\(`, 'g');
/**
 * The same call where minifySyntax moved it into a statement's expression: alone before `;` or `}` after a statement's
 * start or in a `for(` (`for(__name(f,"f");`), or first in a comma sequence there or after `return `, `if(`, `while(`
 * (`return __name(f,"f"),x`), whose value is the sequence's last. Blanked with its comma: the rest reads the same.
 */
const IN_STATEMENT = [
  new RegExp(`(?<=[;{}]|(?<![\\w$.])for\\()__name\\((${ID}),"\\1"\\)(?=[;}])`, 'g'),
  new RegExp(`(?<=[;{}]|(?<![\\w$.])(?:for\\(|if\\(|while\\(|return ))__name\\((${ID}),"\\1"\\),`, 'g'),
];

/** The bundle's code without the `__name` calls that change nothing; `removed` counts them. */
export function pruneKeptNames(code) {
  let removed = 0;
  const blank = (call) => {
    removed += 1;
    return ' '.repeat(call.length);
  };
  for (const pattern of NO_OPS) code = code.replace(pattern, blank);
  // Only where the name is declared as a function and nothing else: a `var f` could hold any function.
  const functions = new Set([...code.matchAll(FUNCTION)].map((match) => match[1]));
  const others = new Set([...code.matchAll(new RegExp(`\\b(?:var|let|const|class) (${ID})\\b`, 'g'))].map((match) => match[1]));
  const native = (call, name) => (functions.has(name) && !others.has(name) ? blank(call) : call);
  code = code.replace(STATEMENT, native);
  for (const pattern of IN_STATEMENT) code = code.replace(pattern, native);
  return { code, removed };
}
