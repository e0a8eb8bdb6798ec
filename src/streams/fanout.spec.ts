import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { Fanout, Subscriber } from './fanout.js';

/** A socket whose sends complete only when the test says so (a client that reads or does not). */
class FakeSocket {
  readyState = 1;
  frames: string[] = [];
  unsent: Array<() => void> = [];
  closed?: { code: number; reason: string };
  send(data: Buffer, _options: unknown, done: () => void) {
    this.frames.push(data.toString());
    this.unsent.push(done);
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.readyState = 2;
  }
  drain() {
    for (const done of this.unsent.splice(0)) done();
  }
  items(): number[] {
    return this.frames.flatMap((f) => JSON.parse(f));
  }
}

function setup(limits = { bufferBytes: 20, stallTimeoutMs: 1000 }) {
  const source = new PassThrough({ objectMode: true });
  const closed = vi.fn();
  const fanout = new Fanout<number>(limits, {
    encode: (items) => Buffer.from(JSON.stringify(items)),
    sizeOf: () => 10,
    endReason: 'done',
    resumeHint: (s) => `resume after ${s.last}`,
    onClosed: closed,
  });
  const subscriber = (socket = new FakeSocket()) => new Subscriber<number>(socket as unknown as WebSocket, 'json');
  return { source, fanout, closed, subscriber };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Lets the stream deliver and the batch window (2 ms) pass. */
const flushed = () => new Promise((resolve) => setTimeout(resolve, 10));

afterEach(() => vi.useRealTimers());

describe('Fanout', () => {
  it('batches what arrives in one tick into one frame per subscriber, and replays first to a newcomer', async () => {
    const { source, fanout, subscriber } = setup();
    const a = subscriber();
    fanout.add(a);
    fanout.attach(source);
    source.write(1);
    source.write(2);
    await flushed();
    const b = subscriber();
    fanout.add(b, [1, 2]);
    source.write(3);
    await flushed();
    expect((a.socket as unknown as FakeSocket).frames).toEqual(['[1,2]', '[3]']);
    expect((b.socket as unknown as FakeSocket).items()).toEqual([1, 2, 3]);
  });

  it('pauses the engine stream while a subscriber is over its bound and resumes when it drains', async () => {
    const { source, fanout, subscriber } = setup();
    const slow = subscriber();
    const socket = slow.socket as unknown as FakeSocket;
    fanout.add(slow);
    fanout.attach(source);
    for (let i = 0; i < 20; i++) source.write(i);
    await flushed();
    expect(source.isPaused()).toBe(true);
    socket.drain();
    expect(source.isPaused()).toBe(false);
    await flushed();
    socket.drain();
    expect(socket.items()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('drops a subscriber stalled past the bound with 4000 and a resume hint; the others go on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { source, fanout, subscriber } = setup();
    const stalled = subscriber();
    const reader = subscriber();
    fanout.add(stalled);
    fanout.add(reader);
    fanout.attach(source);
    for (let i = 0; i < 20; i++) source.write(i);
    await tick();
    vi.advanceTimersByTime(5);
    (reader.socket as unknown as FakeSocket).drain();
    expect(source.isPaused()).toBe(true);
    vi.advanceTimersByTime(1000);
    expect((stalled.socket as unknown as FakeSocket).closed).toEqual({ code: 4000, reason: 'resume after 19' });
    expect(source.isPaused()).toBe(false);
    expect(fanout.size).toBe(1);
  });

  it('closes every subscriber with 1000 when the engine stream ends, and the stream when the last leaves', async () => {
    const first = setup();
    const a = first.subscriber();
    first.fanout.add(a);
    first.fanout.attach(first.source);
    first.source.end(7);
    await tick();
    await tick();
    expect((a.socket as unknown as FakeSocket).frames).toEqual(['[7]']);
    expect((a.socket as unknown as FakeSocket).closed).toEqual({ code: 1000, reason: 'done' });
    expect(first.closed).toHaveBeenCalledOnce();

    const second = setup();
    const b = second.subscriber();
    second.fanout.add(b);
    second.fanout.attach(second.source);
    second.fanout.remove(b);
    expect(second.source.destroyed).toBe(true);
    expect(second.closed).toHaveBeenCalledOnce();
  });
});
