import { describe, expect, it } from 'vitest';
import { LogFrame, LogFrameEncoder } from './log-frames.js';
import { LogLine, LogLineParser } from './log-lines.js';
import { collect, stdFrame as frame } from './stream-testing.js';

type Options = { tty: boolean; timestamps: boolean; maxLineBytes?: number };

const encode = (chunks: Buffer[], options: Options) => collect<LogFrame>(new LogFrameEncoder(options), chunks);
const parse = (chunks: Buffer[], options: Options) => collect<LogLine>(new LogLineParser(options), chunks);

const TS = '2026-11-26T10:00:00.123456789Z';
const stamped = (...lines: string[]) => lines.map((line) => `${TS} ${line}\n`).join('');

describe('LogFrameEncoder: the same lines and the same JSON as LogLineParser + JSON.stringify', () => {
  it.each<[string, Buffer[], Options]>([
    ['plain lines with timestamps', [frame(1, stamped('one', 'two')), frame(2, stamped('oops'))], { tty: false, timestamps: true }],
    [
      'quotes, backslashes and every control character',
      [
        frame(
          1,
          stamped('say "hi" \\o/', `ctl ${String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i).filter((c) => c !== 10))} end`),
        ),
      ],
      { tty: false, timestamps: true },
    ],
    [
      'DEL, U+2028 and non-ASCII text, kept as they are',
      [frame(1, stamped('del \x7f sep \u2028 é 日本 🚀'))],
      { tty: false, timestamps: true },
    ],
    [
      'bytes that are not UTF-8 (replacement characters)',
      [Buffer.concat([frame(1, `${TS} bad `), stdFrameBytes(1, Buffer.from([0x62, 0xff, 0x22, 0xc3, 0x0a]))])],
      { tty: false, timestamps: true },
    ],
    ['a carriage return before the newline', [frame(1, `${TS} windows\r\n${TS} \r\n`)], { tty: false, timestamps: true }],
    [
      'a line with no space (all time) and one starting with a space',
      [frame(1, 'notime\n leading space\n')],
      { tty: false, timestamps: true },
    ],
    ['an empty line and an empty text after the time', [frame(1, `\n${TS} \n${TS}\n`)], { tty: false, timestamps: true }],
    [
      'a line split across frames and chunks, and a last line without newline',
      splitAt(
        Buffer.concat([frame(1, `${TS} hel`), frame(2, stamped('err')), frame(1, 'lo\n'), frame(1, `${TS} tail`)]),
        [3, 9, 40, 41, 60],
      ),
      { tty: false, timestamps: true },
    ],
    ['without timestamps', [frame(1, 'a "b"\nc\n'), frame(2, 'd\n')], { tty: false, timestamps: false }],
    ['a TTY stream', [Buffer.from(`${TS} a\r\n${TS} b\n`)], { tty: true, timestamps: true }],
    [
      'an endless line cut at the bound, to a character',
      [Buffer.from('abcdefgé'), Buffer.from('é"\\\n')],
      { tty: true, timestamps: false, maxLineBytes: 8 },
    ],
  ])('%s', async (_case, chunks, options) => {
    const frames = await encode(chunks, options);
    const lines = await parse(chunks, options);
    expect(frames.flatMap((f) => JSON.parse(f.json.toString()) as LogLine[])).toEqual(lines);
    // Byte for byte what JSON.stringify writes, frame by frame.
    let at = 0;
    for (const f of frames) {
      expect(f.json.toString()).toBe(JSON.stringify(lines.slice(at, at + f.lines)));
      at += f.lines;
    }
    expect(at).toBe(lines.length);
  });

  it('makes one frame per chunk, each knowing its last line time (where a dropped client resumes)', async () => {
    const frames = await encode([frame(1, '2026-11-26T10:00:01Z a\n2026-11-26T10:00:02Z b\n'), frame(1, '2026-11-26T10:00:03Z c\n')], {
      tty: false,
      timestamps: true,
    });
    expect(frames.map(({ lines, lastTs }) => ({ lines, lastTs }))).toEqual([
      { lines: 2, lastTs: '2026-11-26T10:00:02Z' },
      { lines: 1, lastTs: '2026-11-26T10:00:03Z' },
    ]);
  });

  it('cuts a frame at about 64 KiB, however large the chunk', async () => {
    const text = stamped(...Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(30)}`));
    const frames = await encode([frame(1, text)], { tty: false, timestamps: true });
    expect(frames.length).toBeGreaterThan(2);
    for (const f of frames) expect(f.json.length).toBeLessThan(64 * 1024 + 200);
    expect(frames.reduce((sum, f) => sum + f.lines, 0)).toBe(5000);
  });

  it('grows its buffer for a line longer than a frame', async () => {
    const long = '"'.repeat(200_000);
    const frames = await encode([frame(1, stamped(long))], { tty: false, timestamps: true });
    expect(frames.flatMap((f) => JSON.parse(f.json.toString()) as LogLine[])).toEqual([{ stream: 'stdout', ts: TS, line: long }]);
  });
});

function stdFrameBytes(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  return [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
}
