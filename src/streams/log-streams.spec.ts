import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { DEFAULT_LOG_TAIL } from '../common/log-time.js';
import type { Principal } from '../common/principal.js';
import { createValidationPipe } from '../common/validation.js';
import { LogsQueryDto } from '../containers/dto/container-query.dto.js';
import type { LogFrame } from '../docker/log-frames.js';
import type { LogLine } from '../docker/log-lines.js';
import type { ChannelRuntime } from './channel-runtime.js';
import { LogsStreamQueryDto } from './dto/stream-query.dto.js';
import { LogRing } from './log-ring.js';
import { LogStreams, LogsContext, replayFor } from './log-streams.js';

/** A ring of `capacity` lines (and `maxBytes`, one byte a line) after `pushed` lines 1..n. */
function ring(capacity: number, pushed: number, maxBytes = 1000): LogRing<number> {
  const built = new LogRing<number>(capacity, maxBytes, () => 1);
  for (let line = 1; line <= pushed; line++) built.push(line);
  return built;
}

describe('replayFor (can the shared stream serve a newcomer?)', () => {
  it.each([
    ['its tail, from a ring that kept more', ring(5, 5), 2, [4, 5]],
    ['its tail, from a ring that had to drop lines but still holds the tail', ring(2, 5), 2, [4, 5]],
    ['the whole stream so far when it is shorter than the tail', ring(10, 3), 10, [1, 2, 3]],
    ['everything, while nothing was dropped', ring(10, 3), undefined, [1, 2, 3]],
    ['nothing for tail=0 (the ring keeps nothing)', ring(0, 3), 0, []],
  ])('serves %s', (_case, built, tail, replay) => {
    expect(replayFor(built, tail)).toEqual(replay);
  });

  it.each([
    ['everything, once lines were dropped', ring(2, 5), undefined],
    ['a tail the ring no longer holds (its bytes bound dropped lines)', ring(10, 5, 3), 5],
  ])('refuses %s: the newcomer gets its own stream', (_case, built, tail) => {
    expect(replayFor(built, tail)).toBeUndefined();
  });
});

class FakeSocket {
  readyState = 1;
  frames: string[] = [];
  closed?: { code: number; reason: string };
  send(data: Buffer) {
    this.frames.push(data.toString());
  }
  close(code: number, reason: string) {
    this.readyState = 3;
    this.closed = { code, reason };
  }
  once() {}
  lines(): string[] {
    return this.parsed().map((line) => line.line);
  }
  parsed(): LogLine[] {
    return this.frames.flatMap((frame) => {
      const lines = JSON.parse(frame) as LogLine[];
      if (!Array.isArray(lines)) throw new Error(`a log frame is not an array: ${frame}`);
      return lines;
    });
  }
}

const viewer: Principal = { kind: 'user', userId: 'u1', username: 'vera', role: 'viewer' };
const line = (text: string): LogLine => ({ stream: 'stdout', line: text, ts: '2026-11-26T10:00:00.000000000Z' });
const flushed = () => new Promise((resolve) => setTimeout(resolve, 10));

function setup(limits = { bufferBytes: 1 << 20, stallTimeoutMs: 1000 }) {
  const streams: PassThrough[] = [];
  const opened = async () => {
    const stream = new PassThrough({ objectMode: true });
    streams.push(stream);
    return stream;
  };
  const engine = {
    host: { id: 'local' },
    openLogLines: vi.fn(async (_target: unknown, _options: unknown) => opened()),
    openLogFrames: vi.fn(async (_target: unknown, _options: unknown) => opened()),
  };
  const runtime = {
    limits,
    admit: () => true,
    engineStreamOpened: () => () => undefined,
  };
  const logs = new LogStreams(runtime as unknown as ChannelRuntime);
  const open = (options: Partial<LogsStreamQueryDto>) => {
    const socket = new FakeSocket();
    const query = Object.assign(new LogsStreamQueryDto(), { container: 'web' }, options);
    const context = {
      principal: viewer,
      query,
      engine,
      target: { id: 'c1', name: 'web', tty: false, running: true },
    } as unknown as LogsContext;
    logs.attach(socket as unknown as WebSocket, context);
    return socket;
  };
  return { engine, streams, open };
}

describe('LogsStreamQueryDto: tail as the REST logs route has it', () => {
  const pipe = createValidationPipe();
  it.each([
    [{}, DEFAULT_LOG_TAIL],
    [{ tail: '5' }, 5],
    [{ tail: '0' }, 0],
    [{ tail: 'all' }, undefined],
  ])('%o → tail %s', async (query, tail) => {
    const dto = (await pipe.transform(
      { container: 'web', ...query },
      { type: 'query', metatype: LogsStreamQueryDto },
    )) as LogsStreamQueryDto;
    expect(dto.tail).toBe(tail);
  });

  it('defaults to the same tail as the REST snapshot', async () => {
    const rest = (await pipe.transform({}, { type: 'query', metatype: LogsQueryDto })) as LogsQueryDto;
    expect(rest.tail).toBe(String(DEFAULT_LOG_TAIL));
  });
});

describe('LogStreams', () => {
  it('serves a second follower with the same options from the first one engine stream, replaying its tail', async () => {
    const { engine, streams, open } = setup();
    const first = open({ tail: 2 });
    await flushed();
    for (const text of ['a', 'b', 'c']) streams[0].write(line(text));
    await flushed();
    const second = open({ tail: 2 });
    streams[0].write(line('d'));
    await flushed();
    expect(engine.openLogLines).toHaveBeenCalledOnce();
    expect(first.lines()).toEqual(['a', 'b', 'c', 'd']);
    expect(second.lines()).toEqual(['b', 'c', 'd']);
  });

  it('opens its own stream for other options, and for a follower the ring cannot serve', async () => {
    const { engine, streams, open } = setup();
    open({ tail: 0 });
    await flushed();
    streams[0].write(line('a'));
    await flushed();
    // The tail=0 ring keeps nothing, yet a newcomer with tail=0 needs nothing: shared.
    open({ tail: 0 });
    open({ tail: 1 });
    open({ follow: false, tail: 0 });
    await flushed();
    expect(engine.openLogLines).toHaveBeenCalledTimes(2);
    expect(engine.openLogLines.mock.calls.map(([, options]) => options)).toEqual([
      { follow: true, stdout: true, stderr: true, tail: 0, timestamps: true },
      { follow: true, stdout: true, stderr: true, tail: 1, timestamps: true },
    ]);
    // A log read to its end is never shared: its own stream, read as ready frames.
    expect(engine.openLogFrames.mock.calls.map(([, options]) => options)).toEqual([
      { follow: false, stdout: true, stderr: true, tail: 0, timestamps: true },
    ]);
  });

  it.each([
    ['without timestamps', { timestamps: false }],
    ['with timestamps=true', { timestamps: true }],
    ['by default', {}],
  ])('sends every frame as an array of {stream, ts, line}, one line or many, %s', async (_case, options) => {
    const { engine, streams, open } = setup();
    const socket = open(options);
    await flushed();
    streams[0].write(line('one'));
    await flushed();
    streams[0].write(line('two'));
    streams[0].write(line('three'));
    await flushed();
    expect(engine.openLogLines.mock.calls[0][1]).toMatchObject({ timestamps: true });
    expect(socket.frames.map((frame) => (JSON.parse(frame) as unknown[]).length)).toEqual([1, 2]);
    expect(socket.parsed()).toEqual(['one', 'two', 'three'].map(line));
  });
});

describe('LogStreams: a log read to its end (follow=false)', () => {
  const frame = (...texts: string[]): LogFrame => {
    const lines = texts.map(line);
    return { json: Buffer.from(JSON.stringify(lines)), lines: lines.length, lastTs: lines.at(-1)?.ts };
  };

  it('sends the frames of the engine reader joined into one array per batch, then closes with 1000 "end of log"', async () => {
    const { engine, streams, open } = setup();
    const socket = open({ follow: false, tail: undefined });
    await flushed();
    streams[0].write(frame('a', 'b'));
    streams[0].write(frame('c'));
    await flushed();
    streams[0].write(frame('d'));
    streams[0].end();
    await flushed();
    expect(engine.openLogLines).not.toHaveBeenCalled();
    expect(socket.frames).toEqual([JSON.stringify(['a', 'b', 'c'].map(line)), JSON.stringify([line('d')])]);
    expect(socket.closed).toEqual({ code: 1000, reason: 'end of log' });
  });

  it('drops a reader stalled past its bound with 4000 and the time of the last line it was sent', async () => {
    const { streams, open } = setup({ bufferBytes: 10, stallTimeoutMs: 5 });
    const socket = open({ follow: false });
    await flushed();
    // The fake socket never reports a frame sent: the reader is stalled.
    streams[0].write({ ...frame('a'), lastTs: '2026-11-26T10:00:07.000000001Z' });
    await flushed();
    expect(streams[0].isPaused()).toBe(true);
    expect(socket.closed?.code).toBe(4000);
    expect(socket.closed?.reason).toContain('since=2026-11-26T10:00:07.000000001Z');
  });
});
