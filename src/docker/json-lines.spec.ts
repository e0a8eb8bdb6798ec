import { describe, expect, it } from 'vitest';
import { JsonLines } from './json-lines.js';
import { collect } from './stream-testing.js';

describe('JsonLines', () => {
  it('parses one object per line, joins split lines and skips junk', async () => {
    const out = await collect<unknown>(new JsonLines(), [Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\nnot json\n{"c":3}')]);
    expect(out).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('decodes a UTF-8 character cut between two chunks whole', async () => {
    const bytes = Buffer.from('{"a":"é"}\n');
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
    const out = await collect<unknown>(new JsonLines(), [bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(out).toEqual([{ a: 'é' }]);
  });

  it('drops a line longer than the bound in bytes, to its newline, and reads on', async () => {
    // 6 characters but 12 bytes: a bound counted in characters would keep it.
    const long = `{"a":"${'é'.repeat(6)}"}`;
    const out = await collect<unknown>(new JsonLines(16), [Buffer.from(`${long.slice(0, 5)}`), Buffer.from(`${long.slice(5)}\n{"b":2}\n`)]);
    expect(out).toEqual([{ b: 2 }]);
  });

  it('never parses the tail of a dropped line as a line of its own', async () => {
    // The tail `1}` of the long line, or a tail that is valid JSON by itself, must not come out.
    const out = await collect<unknown>(new JsonLines(8), [Buffer.from('{"aaaaaaa":'), Buffer.from('123\n{"b":2}\n')]);
    expect(out).toEqual([{ b: 2 }]);
  });
});
