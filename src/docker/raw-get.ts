import { connect, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { EngineConnectionError, EngineHttpError } from './engine-errors.js';

/** Where a raw connection to the engine goes: a unix socket or a TCP address, with TLS when `tls` is given. */
export type RawEndpoint = { socketPath: string } | { host: string; port: number; tls?: ConnectionOptions };

const MAX_HEAD_BYTES = 64 * 1024;
/** What is kept of an error answer's body: the engine's message, not whatever a broken engine sends after it. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** One socket read takes up to this much. */
const READ_BUFFER_BYTES = 64 * 1024;
/**
 * After each read the socket rests this long before it reads again. A followed log comes one
 * line per engine write; reading as soon as each arrives costs a wakeup, a syscall and a trip
 * through the stream machinery per line. Resting lets the kernel gather what the engine writes
 * meanwhile, so one read carries many lines. A lone line is still read at once.
 */
export const READ_REST_MS = 1;

/**
 * A body whose chunks its one consumer hands back once done with them (a bulk body's slabs are then
 * read into again): a consumer that never does so still gets correct bytes, only fresh slabs.
 */
export interface LentChunks {
  releaseChunk(chunk: Buffer): void;
}

/** How a body is read: line streams rest between reads (the default); bulk bodies do not. */
export interface RawReadMode {
  /** Rest after each read (READ_REST_MS); 0: read again as soon as the reader wants more. */
  restMs: number;
  /**
   * Rest only after a read smaller than this. A larger one says the engine has more waiting (a log
   * read to its end): resting then leaves it blocked on a full socket, which holds only ~12 KB of
   * one-line writes (~280 lines, ~1.3 ms of the engine's output), less than a rest and a read take.
   */
  restBelowBytes?: number;
  /** One socket read takes up to this much. */
  readBufferBytes: number;
  /** Bytes read ahead of the reader before the socket stops reading (backpressure). */
  highWaterMark?: number;
  /**
   * Bulk: reads land in successive regions of a slab of this size and are handed on as they are,
   * with no copy and one allocation per slab instead of one per read. Unset: one reused buffer,
   * each read copied out (a kept log line then never pins a large slab).
   */
  slabBytes?: number;
  /** Bulk: reads that follow each other in a slab go on as one chunk, pushed once it holds `bytes` or `ms` after its first read. */
  gather?: { bytes: number; ms: number };
}

const LINE_READS: RawReadMode = { restMs: READ_REST_MS, readBufferBytes: READ_BUFFER_BYTES };

/** A log read to its end (follow=false: WebSocket history, REST snapshots): the engine writes as fast as it reads its file, so read on while reads come large. */
export const HISTORY_READS: RawReadMode = { ...LINE_READS, restBelowBytes: 1024 };

/**
 * For a bulk body (a `docker save` tar): no rest, big reads and a read-ahead of a few of them, so
 * the engine keeps writing while the client takes the last reads; a slow client still stops it.
 */
export const BULK_READS: RawReadMode = {
  restMs: 0,
  readBufferBytes: 256 * 1024,
  highWaterMark: 1024 * 1024,
  slabBytes: 1024 * 1024,
  gather: { bytes: 256 * 1024, ms: 1 },
};

/**
 * A streaming GET to the engine as HTTP/1.0, for long, line-by-line bodies (logs). Over
 * HTTP/1.1 the engine sends every log line as its own chunk, and Node's HTTP client turns
 * each chunk into a callback and a stream write: a few microseconds per line that decide the
 * throughput. HTTP/1.0 has no chunking: the body is the raw bytes until the engine closes,
 * read as whatever each socket read returns (see READ_REST_MS).
 *
 * Resolves with the body once the status is 200; otherwise rejects with the engine's status
 * and message, shaped like docker-modem's errors so that translateEngineError reads them.
 */
export function rawGet(endpoint: RawEndpoint, path: string, signal: AbortSignal, mode: RawReadMode = LINE_READS): Promise<Readable> {
  return new Promise((resolve, reject) => {
    let onRead: (bytes: Buffer) => boolean = () => true;
    const target = readTarget(mode);
    const socket: Socket = connectTo(endpoint, target, (bytes) => onRead(bytes));
    const abort = () => socket.destroy(new EngineConnectionError('aborted', undefined, 'AbortError'));
    signal.addEventListener('abort', abort, { once: true });
    const fail = (error: unknown) => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      reject(error);
    };
    const onEarlyEnd = () => fail(new EngineConnectionError('the engine closed the connection', 'ECONNRESET'));
    let head = Buffer.alloc(0);
    onRead = (bytes) => {
      head = Buffer.concat([head, bytes]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) fail(new EngineConnectionError('engine answer head too long'));
        return true;
      }
      socket.off('error', fail);
      socket.off('end', onEarlyEnd);
      signal.removeEventListener('abort', abort);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      const rest = head.subarray(end + 4);
      if (status !== 200) {
        readErrorBody(socket, rest, (read) => (onRead = read)).then((body) => fail(engineHttpError(status, body)), fail);
        return true;
      }
      const body = new EngineBody(socket, mode, target instanceof Slabs ? target : undefined);
      onRead = (more) => body.accept(more);
      resolve(body);
      return rest.length > 0 ? body.accept(rest) : true;
    };
    socket.once('error', fail);
    socket.once('end', onEarlyEnd);
    socket.write(`GET ${path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n`);
  });
}

/** Where a plain socket's reads land (`region`, asked before each read) and how a read becomes bytes the reader may keep. */
interface ReadTarget {
  region(): Buffer;
  keep(region: Buffer, size: number): Buffer;
}

function readTarget(mode: RawReadMode): ReadTarget {
  const regionBytes = mode.readBufferBytes;
  if (mode.slabBytes) return new Slabs(Math.max(mode.slabBytes, regionBytes), regionBytes);
  const buffer = Buffer.allocUnsafe(regionBytes);
  return { region: () => buffer, keep: (region, size) => Buffer.from(region.subarray(0, size)) };
}

/** Slabs kept for reuse per stream: what is in flight to a client is about 2 MB (read-ahead, a gathered chunk, a write). */
const FREE_SLABS = 4;

/**
 * Bulk reads: successive regions of slabs, handed on as views (no copy). A slab every byte of which
 * was released (`release`, by the one consumer that knows: sendTar, once the client's socket took a
 * chunk) is read into again; otherwise it is left to the GC. Reuse matters: each new slab counts as
 * V8 external memory, and 200 MB of it per export set off full, concurrent mark-compacts of the whole
 * heap (~0.6 s of CPU per export on the GC threads, bench/README.md).
 */
class Slabs implements ReadTarget {
  /** Empty until the first read asks for a region (a TLS socket never does: it hands out its own reads). */
  private slab: Buffer = Buffer.alloc(0);
  private used = 0;
  /** Bytes handed out and not released yet, per slab. */
  private readonly lent = new Map<ArrayBufferLike, number>();
  private readonly free: Buffer[] = [];

  constructor(
    private readonly slabBytes: number,
    private readonly regionBytes: number,
  ) {}

  region(): Buffer {
    if (this.slab.length - this.used < this.regionBytes) {
      this.slab = this.free.pop() ?? Buffer.allocUnsafe(this.slabBytes);
      this.used = 0;
    }
    return this.slab.subarray(this.used, this.used + this.regionBytes);
  }

  // The region is not read into again until every byte of its slab is released.
  keep(region: Buffer, size: number): Buffer {
    this.used += size;
    this.lent.set(region.buffer, (this.lent.get(region.buffer) ?? 0) + size);
    return region.subarray(0, size);
  }

  release(chunk: Buffer): void {
    const lent = this.lent.get(chunk.buffer);
    if (lent === undefined) return;
    if (lent > chunk.length) return void this.lent.set(chunk.buffer, lent - chunk.length);
    this.lent.delete(chunk.buffer);
    if (chunk.buffer !== this.slab.buffer && this.free.length < FREE_SLABS) this.free.push(Buffer.from(chunk.buffer, 0, this.slabBytes));
  }
}

/** A plain socket reads into its target's regions; a TLS socket hands out its own reads: either way `onRead` false pauses it. */
function connectTo(endpoint: RawEndpoint, target: ReadTarget, onRead: (bytes: Buffer) => boolean): Socket {
  if ('socketPath' in endpoint || !endpoint.tls) {
    return connect({
      ...('socketPath' in endpoint ? { path: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
      // Node asks for the region before each read; the callback decides whether to read on.
      onread: { buffer: () => target.region(), callback: (size, region) => onRead(target.keep(region as Buffer, size)) },
    });
  }
  const socket = connectTls({ ...endpoint.tls, host: endpoint.host, port: endpoint.port });
  socket.on('data', (bytes: Buffer) => {
    if (!onRead(bytes)) socket.pause();
  });
  return socket;
}

/** The body of a 200 answer: the socket's reads, each rested after (mode.restMs, if any), with backpressure. */
class EngineBody extends Readable implements LentChunks {
  private restTimer?: NodeJS.Timeout;
  /** Whether the last read was large enough to read on at once (mode.restBelowBytes). */
  private readOn = false;
  private ended = false;
  private gathered?: Buffer;
  private gatherTimer?: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly mode: RawReadMode,
    private readonly slabs?: Slabs,
  ) {
    super({ highWaterMark: mode.highWaterMark });
    socket.once('end', () => {
      this.ended = true;
      this.flush();
      this.push(null);
    });
    socket.once('error', (error) => this.destroy(error));
    // Cut without an end: the reader must learn the stream did not finish.
    socket.once('close', () => {
      if (!this.ended) this.destroy();
    });
  }

  /**
   * Takes one read (bytes the reader may keep); false stops the socket reading until the
   * reader wants more: after every read when resting (a small one, with restBelowBytes), else
   * once the read-ahead is full.
   */
  accept(bytes: Buffer): boolean {
    if (this.mode.gather) return this.gather(bytes, this.mode.gather);
    this.readOn = this.mode.restMs === 0 || bytes.length >= (this.mode.restBelowBytes ?? Infinity);
    const wantsMore = this.push(bytes);
    return this.readOn && wantsMore;
  }

  /**
   * An idle Berth reads each engine write (~20-30 KB) as it comes, and each read pushed on costs a
   * response write, a syscall and a TCP send. Reads that follow each other in a slab are one chunk
   * (a wider view, no copy), pushed once it holds `limit.bytes`, or `limit.ms` after its first read.
   * The socket reads on meanwhile: only backpressure holds the engine back.
   */
  private gather(bytes: Buffer, limit: { bytes: number; ms: number }): boolean {
    const last = this.gathered;
    const follows = last !== undefined && last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset;
    const wantsMore = last === undefined || follows || this.flush();
    this.gathered = follows ? Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length) : bytes;
    if (this.gathered.length >= limit.bytes) return this.flush() && wantsMore;
    this.gatherTimer ??= setTimeout(() => {
      if (!this.flush() && !this.destroyed) this.socket.pause();
    }, limit.ms);
    return wantsMore;
  }

  /** Pushes what was gathered; false once the read-ahead is full. */
  private flush(): boolean {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    const bytes = this.gathered;
    this.gathered = undefined;
    return bytes === undefined || this.push(bytes);
  }

  /** The consumer is done with `chunk` (the client's socket took it): its bytes may be read into again (LentChunks). */
  releaseChunk(chunk: Buffer): void {
    this.slabs?.release(chunk);
  }

  override _read(): void {
    if (this.destroyed) return;
    if (this.mode.restMs === 0 || this.readOn) {
      this.socket.resume();
      return;
    }
    if (this.restTimer) return;
    this.restTimer = setTimeout(() => {
      this.restTimer = undefined;
      if (!this.destroyed) this.socket.resume();
    }, this.mode.restMs);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.restTimer);
    clearTimeout(this.gatherTimer);
    this.socket.destroy();
    done(error);
  }
}

function readErrorBody(socket: Socket, first: Buffer, setOnRead: (read: (bytes: Buffer) => boolean) => void): Promise<string> {
  return new Promise((resolve) => {
    let body = first.toString('utf8');
    setOnRead((bytes) => {
      if (body.length < MAX_ERROR_BODY_BYTES) body += bytes.toString('utf8');
      return true;
    });
    socket.once('end', () => resolve(body));
    socket.once('error', () => resolve(body));
  });
}

/** A non-200 answer, shaped like docker-modem's errors so that translateEngineError reads it. */
export function engineHttpError(statusCode: number, body: string): EngineHttpError {
  let json: unknown = body;
  try {
    json = JSON.parse(body);
  } catch {
    // plain text
  }
  const message = typeof json === 'object' && json && 'message' in json ? String((json as { message: unknown }).message) : body.trim();
  return new EngineHttpError(statusCode, json, message);
}
