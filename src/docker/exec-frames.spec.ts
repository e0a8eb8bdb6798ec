import { describe, expect, it } from 'vitest';
import { ExecOutput, ExecOutputDemuxer } from './exec-frames.js';
import { collect, stdFrame as frame } from './stream-testing.js';

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
