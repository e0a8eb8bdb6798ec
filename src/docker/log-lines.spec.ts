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
    const lines = await parse([frame(1, '2026-11-25T10:00:00.000000001Z one\n2026-11-25T10:00:01.5Z two')], { tty: false, timestamps: true });
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

  it('cuts an endless line at the bound', async () => {
    const lines = await parse([Buffer.from('x'.repeat(10)), Buffer.from('y'.repeat(10))], { tty: true, timestamps: false, maxLineBytes: 8 });
    expect(lines.map((l) => l.line)).toEqual(['xxxxxxxxxx', 'yyyyyyyyyy']);
  });
});
