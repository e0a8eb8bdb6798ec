import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../docker/log-lines.js';
import { LogFormat, LogLineFormatter } from './log-formats.js';

const lines: LogLine[] = [
  { stream: 'stdout', ts: '2026-11-25T10:00:00.000000001Z', line: 'one' },
  { stream: 'stderr', ts: '2026-11-25T10:00:01Z', line: 'two "quoted"' },
];

const render = (format: LogFormat, input: LogLine[]) => text(Readable.from(input).pipe(new LogLineFormatter(format)));

describe('LogLineFormatter', () => {
  it('writes a JSON array that parses back to the lines', async () => {
    expect(JSON.parse(await render('json', lines))).toEqual(lines);
    expect(JSON.parse(await render('json', []))).toEqual([]);
  });

  it('writes one JSON object a line', async () => {
    const out = await render('ndjson', lines);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(lines);
  });

  it('writes plain text as docker logs -t does', async () => {
    expect(await render('text', lines)).toBe('2026-11-25T10:00:00.000000001Z one\n2026-11-25T10:00:01Z two "quoted"\n');
    expect(await render('text', [{ stream: 'stdout', line: 'bare' }])).toBe('bare\n');
  });
});
