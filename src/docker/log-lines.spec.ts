import { describe, expect, it } from 'vitest';
import { LogLine, LogLineParser } from './log-lines.js';
import { collect, stdFrame as frame } from './stream-testing.js';

const parse = (chunks: Buffer[], options: { tty: boolean; timestamps: boolean; maxLineBytes?: number }) =>
  collect<LogLine>(new LogLineParser(options), chunks);

describe('LogLineParser', () => {
  it('tells stdout from stderr and joins a line split across frames and chunks', async () => {
    const bytes = Buffer.concat([frame(1, 'hel'), frame(1, 'lo\nwor'), frame(2, 'oops\n'), frame(1, 'ld\n')]);
    const lines = await parse([bytes.subarray(0, 5), bytes.subarray(5, 13), bytes.subarray(13)], { tty: false, timestamps: false });
    expect(lines).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stderr', line: 'oops' },
      { stream: 'stdout', line: 'world' },
    ]);
  });

  it('peels off timestamps and keeps a last line without newline', async () => {
    const lines = await parse([frame(1, '2026-11-25T10:00:00.000000001Z one\n2026-11-25T10:00:01.5Z two')], {
      tty: false,
      timestamps: true,
    });
    expect(lines).toEqual([
      { stream: 'stdout', ts: '2026-11-25T10:00:00.000000001Z', line: 'one' },
      { stream: 'stdout', ts: '2026-11-25T10:00:01.5Z', line: 'two' },
    ]);
  });

  it('reads a TTY stream as raw stdout and drops carriage returns', async () => {
    expect(await parse([Buffer.from('a\r\nb\n')], { tty: true, timestamps: false })).toEqual([
      { stream: 'stdout', line: 'a' },
      { stream: 'stdout', line: 'b' },
    ]);
  });

  it.each([
    ['an endless line, across chunks', ['x'.repeat(10), 'y'.repeat(10)], ['xxxxxxxx', 'xxyyyyyy', 'yyyy']],
    ['a long line with its newline, and the next line whole', ['x'.repeat(17) + '\nnext\n'], ['xxxxxxxx', 'xxxxxxxx', 'x', 'next']],
    ['a line of exactly the bound, uncut', ['x'.repeat(8), '\n'], ['xxxxxxxx']],
    ['before a character that would straddle the cut', ['abcdefgé', 'é\n'], ['abcdefg', 'éé']],
  ])('cuts %s at exactly the bound and carries on with the rest', async (_case, chunks, expected) => {
    const lines = await parse(
      chunks.map((chunk) => Buffer.from(chunk)),
      { tty: true, timestamps: false, maxLineBytes: 8 },
    );
    expect(lines.map((l) => l.line)).toEqual(expected);
  });
});
