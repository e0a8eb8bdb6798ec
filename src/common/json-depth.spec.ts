import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonDepth, rejectDeepJson } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonDepth', () => {
  it.each([
    ['a scalar', '42', 0],
    ['a string', '"{[{["', 0],
    ['an empty object', '{}', 1],
    ['an object in an array', '[{"a":1},{"b":2}]', 2],
    ['brackets inside strings', '{"a":"}}]]{{[[","b":{"c":[]}}', 3],
    ['an escaped quote inside a string', '{"a":"x\\"{[{[","b":1}', 1],
    ['an escaped backslash before the closing quote', '{"a":"x\\\\","b":{"c":1}}', 2],
    ['non-ASCII text', '{"ünïcødé ✓":["日本"]}', 2],
    ['15 000 levels', nested(15_000), 15_000],
  ])('%s', (_case, text, depth) => {
    expect(jsonDepth(bytes(text))).toBe(depth);
  });
});

describe('rejectDeepJson', () => {
  it.each(['utf-16le', 'utf-16', 'utf-16be', 'latin1'])('refuses charset=%s with 415: the scan reads UTF-8 bytes', (charset) => {
    const body = Buffer.from(`["\\"",${nested(100)}]`, 'utf16le');
    expect(() => rejectDeepJson({} as never, {} as never, body, charset)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 }),
    );
  });

  it.each([undefined, 'utf-8', 'UTF-8', 'utf8'])('reads charset %s', (charset) => {
    expect(() => rejectDeepJson({} as never, {} as never, bytes('{"a":1}'), charset)).not.toThrow();
  });

  const verify = (text: string) => () => rejectDeepJson({} as never, {} as never, bytes(text));

  it(`lets ${MAX_JSON_DEPTH} levels through and refuses one more with 400 VALIDATION_FAILED`, () => {
    expect(verify(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(verify(`{"username":"${'x'.repeat(95_000)}","password":"x"}`)).not.toThrow();
    expect(verify(nested(MAX_JSON_DEPTH + 1))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', status: 400 }));
    expect(verify(`{"a":${nested(15_000)}}`)).toThrow(/deeper than 32 levels/);
  });
});
