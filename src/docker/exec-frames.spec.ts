import { describe, expect, it } from 'vitest';
import { ExecOutput, ExecOutputDemuxer } from './exec-frames.js';
import { JsonLines } from './json-lines.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function collect<T>(stream: NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<T[]> {
  const out: T[] = [];
  stream.on('data', (item: T) => out.push(item));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return out;
}

describe('ExecOutputDemuxer', () => {
  it('splits framed output into stdout and stderr bytes, across chunk borders', async () => {
    const bytes = Buffer.concat([frame(1, 'hi\n'), frame(2, 'err'), frame(1, '\u00e9')]);
    const out = await collect<ExecOutput>(new ExecOutputDemuxer(false), [bytes.subarray(0, 4), bytes.subarray(4, 20), bytes.subarray(20)]);
    expect(out.map((o) => [o.stream, o.data.toString()])).toEqual([
      ['stdout', 'hi\n'],
      ['stderr', 'err'],
      ['stdout', '\u00e9'],
    ]);
  });

  it('passes TTY output through as stdout, unframed', async () => {
    const out = await collect<ExecOutput>(new ExecOutputDemuxer(true), [Buffer.from('\x1b[1mhi\r\n')]);
    expect(out).toEqual([{ stream: 'stdout', data: Buffer.from('\x1b[1mhi\r\n') }]);
  });
});

describe('JsonLines', () => {
  it('parses one object per line, joins split lines and skips junk', async () => {
    const out = await collect<unknown>(new JsonLines(), [Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\nnot json\n{"c":3}')]);
    expect(out).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
});
