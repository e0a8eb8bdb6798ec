import { describe, expect, it } from 'vitest';
import { pruneKeptNames } from '../scripts/bundle-names.mjs';

// Only calls that restate the name a function or class already has are blanked (same length: the source map holds);
// every call that names something differently (esbuild's collision renames, tsc's `X = X_1 = class X2`) stays.
describe('pruneKeptNames', () => {
  it.each([
    ['a class declaration', 'class Foo{static{__name(this,"Foo")}x(){}}', 1],
    ['a class that extends', 'class Foo extends Bar{static{__name(this,"Foo")}}', 1],
    ['an anonymous class assigned to its name', 'var Foo=class{static{__name(this,"Foo")}};', 1],
    ['a function declaration', 'function foo(){}__name(foo,"foo");', 1],
    ['a generator declaration', 'function*foo(){}__name(foo,"foo");', 1],
    ['a class esbuild renamed', 'class Foo2{static{__name(this,"Foo")}}', 0],
    ["tsc's decorated class, renamed", 'var Foo=Foo_1=class Foo2{static{__name(this,"Foo")}};', 0],
    ['an anonymous class assigned through another name', 'var Foo=Foo_1=class{static{__name(this,"Foo")}};', 0],
    ['a class assigned to a property', 'a.Foo=class{static{__name(this,"Foo")}};', 0],
    ['a function esbuild renamed', 'function parse4(){}__name(parse4,"parse");', 0],
    ['a name that is a variable too', 'function foo(){}var foo;__name(foo,"foo");', 0],
    ['a name declared by no function', 'var foo=bar;__name(foo,"foo");', 0],
    ['an expression wrapper', 'var foo=__name(()=>1,"foo");', 0],
    ["minifySyntax's for(", 'function foo(){}for(__name(foo,"foo");i<n;)i++;', 1],
    ['last in a block', '{function foo(){}__name(foo,"foo")}', 1],
    ['first in a sequence', 'function foo(){}a();__name(foo,"foo"),b();', 1],
    ['first in a returned sequence', 'function g(){function foo(){}return __name(foo,"foo"),foo}', 1],
    ["first in an if('s sequence", 'function foo(){}if(__name(foo,"foo"),a)b();', 1],
    ['returned itself', 'function g(){function foo(){}return __name(foo,"foo");}', 0],
    ['an argument', 'function foo(){}g(__name(foo,"foo"),a);', 0],
    ['an argument of a method named for', 'function foo(){}x.for(__name(foo,"foo"),a);', 0],
  ])('%s', (_what, code, removed) => {
    const pruned = pruneKeptNames(code);
    expect(pruned.removed).toBe(removed);
    expect(pruned.code).toHaveLength(code.length);
    expect(pruned.code.includes('__name')).toBe(removed === 0);
  });

  it('leaves code that means the same: the names it blanked were the native ones', () => {
    const code =
      'class Foo{static{__name(this,"Foo")}}var Bar=class{static{__name(this,"Bar")}};function baz(){}__name(baz,"baz");' +
      'function qux(){}let n=0;for(__name(qux,"qux");n<1;)n++;const r=(()=>{function quux(){}return __name(quux,"quux"),quux})();';
    const run = (source: string) => new Function('__name', `${source}; return [Foo.name, Bar.name, baz.name, qux.name, r.name, n];`);
    const rename = (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true });
    const { code: pruned, removed } = pruneKeptNames(code);
    expect(removed).toBe(5);
    expect(run(pruned)(rename)).toEqual(run(code)(rename));
    expect(run(pruned)(() => undefined)).toEqual(['Foo', 'Bar', 'baz', 'qux', 'quux', 1]);
  });
});
