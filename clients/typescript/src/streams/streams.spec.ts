import { describe, expect, it } from 'vitest';
import { logLinesOf } from './channels.js';
import {
  BerthStreamError,
  ServerGoingAwayError,
  SlowConsumerError,
  StreamEngineError,
  StreamRefusedError,
  StreamRevokedError,
  TooManyStreamsError,
  closeError,
  refusalError,
} from './errors.js';
import { ExecChannel, decodeFrame, encodeFrame } from './exec.js';
import { FrameQueue } from './frame-queue.js';
import { streamUrl } from './socket.js';

describe('closeError', () => {
  it.each([
    [1001, ServerGoingAwayError],
    [1008, StreamRevokedError],
    [1011, StreamEngineError],
    [1013, TooManyStreamsError],
    [4000, SlowConsumerError],
    [4403, StreamRefusedError],
    [1006, BerthStreamError],
  ])('maps close %i to %o', (code, kind) => {
    const error = closeError(code, 'why');
    expect(error).toBeInstanceOf(kind);
    expect(error).toBeInstanceOf(BerthStreamError);
    expect(error?.code).toBe(code);
  });

  it('is no error for a normal end (1000)', () => {
    expect(closeError(1000, '')).toBeUndefined();
  });

  it.each([
    ['FORBIDDEN: role too low', 4403, 403, 'FORBIDDEN'],
    ['no code here', 4404, 404, undefined],
  ])('reads a browser-readable refusal (%s, %i)', (reason, code, status, problemCode) => {
    expect(closeError(code, reason)).toMatchObject({ status, problemCode, reason });
  });

  it.each([
    ['too slow: reconnect with since=2026-11-25T10:00:00.000000001Z (that line comes again)', '2026-11-25T10:00:00.000000001Z'],
    ['too slow: reconnect to resume', undefined],
  ])('tells a slow consumer where to resume (%s)', (reason, since) => {
    expect((closeError(4000, reason) as SlowConsumerError).since).toBe(since);
  });
});

describe('refusalError', () => {
  it.each([
    ['{"code":"CONTAINER_NOT_FOUND","detail":"No such container: x"}', 'CONTAINER_NOT_FOUND', 'No such container: x'],
    ['Bad Gateway', undefined, 'Bad Gateway'],
  ])('reads the refused upgrade %s', (body, problemCode, reason) => {
    expect(refusalError(404, body)).toMatchObject({ status: 404, problemCode, reason });
  });
});

describe('logLinesOf', () => {
  const line = { stream: 'stdout', ts: '2026-11-25T10:00:00Z', line: 'hello' };
  it.each([
    ['an array of lines', [line, line], [line, line]],
    ['one line alone', line, [line]],
    ['an empty array', [], []],
  ])('reads %s', (_name, frame, lines) => {
    expect(logLinesOf(frame)).toEqual(lines);
  });
});

describe('exec frames', () => {
  it.each([
    [ExecChannel.stdin, 'ls\n'],
    [ExecChannel.resize, '{"Width":80,"Height":24}'],
    [ExecChannel.stdout, ''],
  ])('round-trips channel %i with %j', (channel, text) => {
    const frame = encodeFrame(channel, new TextEncoder().encode(text));
    expect(frame[0]).toBe(channel);
    const decoded = decodeFrame(frame);
    expect(decoded.channel).toBe(channel);
    expect(new TextDecoder().decode(decoded.payload)).toBe(text);
  });
});

describe('streamUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', { container: 'web', follow: true }, 'ws://127.0.0.1:8080/api/v1/ws/logs?container=web&follow=true'],
    [
      'https://berth.example',
      { container: 'web', cmd: ['sh', '-c', 'ls /'] },
      'wss://berth.example/api/v1/ws/logs?container=web&cmd=sh&cmd=-c&cmd=ls+%2F',
    ],
    ['http://localhost', { container: 'web', tail: undefined }, 'ws://localhost/api/v1/ws/logs?container=web'],
  ])('from %s with %j', (base, query, url) => {
    expect(streamUrl(base, '/api/v1/ws/logs', query)).toBe(url);
  });
});

describe('FrameQueue', () => {
  it('hands out frames pushed before and after they were asked for, then the end', async () => {
    const queue = new FrameQueue<number>();
    const first = queue.next();
    queue.push(1);
    queue.push(2);
    queue.end();
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('throws the error it ended with once, after the frames before it', async () => {
    const queue = new FrameQueue<number>();
    queue.push(1);
    queue.end(new StreamRevokedError('revoked', 1008, ''));
    expect(await queue.next()).toEqual({ value: 1, done: false });
    await expect(queue.next()).rejects.toBeInstanceOf(StreamRevokedError);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('calls back when the reader leaves early', async () => {
    let returned = false;
    const queue = new FrameQueue<number>(() => (returned = true));
    queue.push(1);
    for await (const _item of queue) break;
    expect(returned).toBe(true);
  });
});
