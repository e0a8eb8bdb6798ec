import type { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import { CloseCode, closeReason } from './close-codes.js';

export interface FanoutLimits {
  /** Bytes queued for one socket past which the engine stream pauses (and the stall clock starts). */
  bufferBytes: number;
  /** How long one socket may stay past its bound before it is dropped with a resume hint. */
  stallTimeoutMs: number;
}

/** A frame is sent as soon as this many bytes are batched... */
const MAX_BATCH_BYTES = 64 * 1024;
/**
 * ...or this long after the first item of the batch. The engine sends a log line per HTTP
 * chunk, so batching per tick gives frames of a few lines; a short window cuts the frames
 * (and their syscalls, on both ends) by an order of magnitude at a latency no one sees.
 */
const BATCH_WINDOW_MS = 2;

/** One socket reading a fan-out, with the bytes it has not taken yet. */
export class Subscriber<T, V extends string = string> {
  pendingBytes = 0;
  over = false;
  stallTimer?: NodeJS.Timeout;
  /** The last item queued to this socket: where a dropped client resumes. */
  last?: T;

  constructor(
    readonly socket: WebSocket,
    /** How items are rendered for it (e.g. with or without timestamps). */
    readonly view: V,
  ) {}
}

export interface FanoutEvents<T, V extends string> {
  /** Renders a batch for a view; called once per view per batch, whatever the number of sockets. */
  encode(items: T[], view: V): Buffer;
  /** Several items per frame (a JSON array) when they come fast; false sends each alone. */
  batch?: boolean;
  /** Roughly how many bytes an item costs, to cut batches. */
  sizeOf(item: T): number;
  /** The close reason for a socket dropped as too slow, saying where to resume. */
  resumeHint(subscriber: Subscriber<T, V>): string;
  /** The close reason when the engine stream ends. */
  endReason: string;
  /** Called with every item before it is sent (e.g. to keep a replay ring). */
  onItem?(item: T): void;
  /** Called once when the fan-out ended: engine stream over, or no subscriber left. */
  onClosed?(): void;
}

/**
 * One engine stream, many sockets. Items are batched per tick and rendered once per view.
 * Backpressure: while any socket holds more than `bufferBytes` unsent, the engine stream is
 * paused (so memory stays bounded and no line is dropped); a socket that stays there longer
 * than `stallTimeoutMs` is closed with 4000 and a resume hint, so one stalled client cannot
 * stop the others for more than that bound.
 */
export class Fanout<T, V extends string = string> {
  private readonly subscribers = new Set<Subscriber<T, V>>();
  private batch: T[] = [];
  private batchBytes = 0;
  private flushQueued = false;
  private overCount = 0;
  private source?: Readable;
  private closed = false;

  constructor(
    private readonly limits: FanoutLimits,
    private readonly events: FanoutEvents<T, V>,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts reading the engine stream (object mode). */
  attach(source: Readable): void {
    if (this.closed) {
      source.destroy();
      return;
    }
    this.source = source;
    source.on('data', (item: T) => this.accept(item));
    source.once('end', () => this.end(CloseCode.normal, this.events.endReason));
    source.once('error', () => this.end(CloseCode.internalError, 'the engine stream failed'));
    // A stream destroyed without end (engine connection cut) is a failure too.
    source.once('close', () => this.end(CloseCode.internalError, 'the engine stream was cut'));
    if (this.overCount > 0) source.pause();
  }

  /** Adds a socket; `replay` is sent to it first, before anything that arrives later. */
  add(subscriber: Subscriber<T, V>, replay: T[] = []): void {
    // Lines batched but not sent are already in the replay; send them to the others first.
    this.flush();
    this.subscribers.add(subscriber);
    for (let start = 0; start < replay.length;) {
      let end = start;
      let bytes = 0;
      while (end < replay.length && bytes < MAX_BATCH_BYTES) bytes += this.events.sizeOf(replay[end++]);
      const items = replay.slice(start, end);
      this.send(subscriber, this.events.encode(items, subscriber.view), items.at(-1));
      start = end;
    }
  }

  remove(subscriber: Subscriber<T, V>): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.settle(subscriber);
    if (this.subscribers.size === 0) this.close();
    else this.resumeIfDrained();
  }

  /** Ends the engine stream (last subscriber gone, or shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source?.destroy();
    for (const subscriber of this.subscribers) this.settle(subscriber);
    this.subscribers.clear();
    this.events.onClosed?.();
  }

  private accept(item: T): void {
    this.events.onItem?.(item);
    this.batch.push(item);
    this.batchBytes += this.events.sizeOf(item);
    if (this.batchBytes >= MAX_BATCH_BYTES || this.events.batch === false) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setTimeout(() => this.flush(), BATCH_WINDOW_MS);
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const rendered = new Map<V, Buffer>();
    const last = items.at(-1);
    for (const subscriber of this.subscribers) {
      let frame = rendered.get(subscriber.view);
      if (!frame) rendered.set(subscriber.view, (frame = this.events.encode(items, subscriber.view)));
      this.send(subscriber, frame, last);
    }
  }

  private send(subscriber: Subscriber<T, V>, frame: Buffer, last: T | undefined): void {
    if (subscriber.socket.readyState !== WebSocket.OPEN) return;
    subscriber.pendingBytes += frame.length;
    subscriber.last = last;
    subscriber.socket.send(frame, { binary: false }, () => {
      subscriber.pendingBytes -= frame.length;
      if (subscriber.over && subscriber.pendingBytes <= this.limits.bufferBytes / 2) {
        this.settle(subscriber);
        this.resumeIfDrained();
      }
    });
    if (!subscriber.over && subscriber.pendingBytes > this.limits.bufferBytes) {
      subscriber.over = true;
      this.overCount++;
      subscriber.stallTimer = setTimeout(() => this.dropSlow(subscriber), this.limits.stallTimeoutMs);
      this.source?.pause();
    }
  }

  /** Clears a subscriber's over-the-bound state. */
  private settle(subscriber: Subscriber<T, V>): void {
    if (!subscriber.over) return;
    subscriber.over = false;
    this.overCount--;
    clearTimeout(subscriber.stallTimer);
  }

  private resumeIfDrained(): void {
    if (this.overCount === 0 && !this.closed) this.source?.resume();
  }

  private dropSlow(subscriber: Subscriber<T, V>): void {
    if (!this.subscribers.has(subscriber)) return;
    // What is queued still reaches the client, then the close frame with the hint.
    subscriber.socket.close(CloseCode.slowConsumer, closeReason(this.events.resumeHint(subscriber)));
    this.remove(subscriber);
  }

  /** Sends what is batched, closes every socket with this code, ends the engine stream. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.flush();
    for (const subscriber of this.subscribers) {
      if (subscriber.socket.readyState === WebSocket.OPEN) subscriber.socket.close(code, closeReason(reason));
    }
    this.close();
  }
}
