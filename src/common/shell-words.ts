import { parse } from 'shell-quote';
import { satisfies } from './validators.js';
import type { ValidationOptions } from 'class-validator';

/** Stands for a `$` while shell-quote splits, so that no variable is expanded; a NUL cannot be in an argument anyway. */
const DOLLAR = '\0';

/**
 * Each unescaped `$` → DOLLAR (an escaped one is left for shell-quote to unescape); a string says what is
 * wrong: an unterminated quote or a trailing backslash, which shell-quote would silently drop.
 */
function protectDollars(line: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      out += c;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShellWordsError('it ends with a backslash');
      out += c + line[++i];
    } else {
      if (quote === '"' && c === '"') quote = '';
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      out += c === '$' ? DOLLAR : c;
    }
  }
  if (quote) throw new ShellWordsError(`a ${quote === '"' ? 'double' : 'single'} quote is not closed`);
  return out;
}

class ShellWordsError extends Error {}

/**
 * A command line → its arguments, split as a shell does (quotes, backslashes) and nothing more: no variable
 * expansion (`$HOME` stays as written), no globbing, no operators. A string says what is wrong with it.
 */
export function shellWords(line: string): string[] | string {
  if (line.includes('\0')) return 'a command cannot contain NUL';
  let entries: ReturnType<typeof parse>;
  try {
    entries = parse(protectDollars(line), (key) => `$${key}`);
  } catch (error) {
    return error instanceof ShellWordsError ? error.message : 'it is not a command line';
  }
  const words: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') words.push(entry.replaceAll(DOLLAR, '$'));
    else if ('op' in entry && entry.op === 'glob') words.push(entry.pattern.replaceAll(DOLLAR, '$'));
    else if ('op' in entry) {
      return `${entry.op} is shell syntax and no shell runs this: quote it, or give ["sh", "-c", "..."] to run a shell`;
    } else return `# starts a shell comment here: quote it ('#') or give the command as an array`;
  }
  return words;
}

/** A command as given: an array stays, a string is split by `shellWords` (left as it came when it cannot be). */
export function commandWords(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const words = shellWords(value);
  return typeof words === 'string' ? value : words;
}

/** An argv: an array of at most `max` strings (at least `min`); a string `commandWords` could not split names why. */
export const IsCommand = ({ min = 0, max = 1000 }: { min?: number; max?: number } = {}, options: ValidationOptions = {}) =>
  satisfies(
    'isCommand',
    (value) => Array.isArray(value) && value.length >= min && value.length <= max && value.every((word) => typeof word === 'string'),
    ({ property, value }) => {
      if (typeof value === 'string') return `${property}: ${shellWords(value) as string}`;
      if (Array.isArray(value) && value.length < min) return `${property} must name a command`;
      return `${property} must be an array of at most ${max} strings, or one command line string`;
    },
    options,
  );

/** OpenAPI for a command: an array of arguments, or one command line. */
export function commandSchema(minItems = 0) {
  return {
    // Not an array of oneOf (what the swagger plugin makes of `string[]`): the property itself is one or the other.
    type: 'string' as const,
    isArray: false,
    oneOf: [
      { type: 'array' as const, items: { type: 'string' as const }, ...(minItems > 0 && { minItems }), maxItems: 1000 },
      {
        type: 'string' as const,
        description: 'Split like a shell: quotes and backslashes respected; no variables expanded, no globbing; |, ;, &&, > refused.',
        example: "sh -c 'echo hi; sleep 1'",
      },
    ],
  };
}
