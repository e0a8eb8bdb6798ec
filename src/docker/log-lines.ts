import { Transform, TransformCallback } from 'node:stream';
import { StdFrameReader } from './std-frames.js';

export type LogStreamName = 'stdout' | 'stderr';

/** One log line as Berth hands it out. */
export interface LogLine {
  stream: LogStreamName;
  /** RFC 3339 time the engine stamped on the line, when timestamps were asked for. */
  ts?: string;
  line: string;
}

export interface LogLinesOptions {
  /** The container has a TTY: the engine sends raw bytes, not 8-byte-framed stdout/stderr. */
  tty: boolean;
  /** The engine was asked for timestamps: each line starts with one and a space. */
  timestamps: boolean;
  /** A line longer than this is cut into pieces, so one endless line cannot grow memory. */
  maxLineBytes?: number;
}

/**
 * The engine's log stream cut into lines: demultiplexes the 8-byte frame headers of a non-TTY
 * container, splits on newlines (a line may span frames) and cuts an endless line into pieces.
 * A Transform, so a slow reader pauses the engine stream instead of growing a buffer. What a
 * line becomes is the subclass's: LogLine objects, or JSON frames (log-frames.ts).
 */
export abstract class LogLineSplitter extends Transform {
  private readonly frames = new StdFrameReader();
  private readonly partial: Record<LogStreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<LogStreamName, number> = { stdout: 0, stderr: 0 };
  private readonly maxLineBytes: number;

  constructor(
    protected readonly options: LogLinesOptions,
    readableHighWaterMark?: number,
  ) {
    super({ readableObjectMode: true, ...(readableHighWaterMark !== undefined && { readableHighWaterMark }) });
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  /** One whole line, `bytes[start, end)` without its newline (a view: copy what is kept). */
  protected abstract emitLine(stream: LogStreamName, bytes: Buffer, start: number, end: number): void;

  /** Called after each chunk's lines (and at the end): a place to push what they made. */
  protected chunkDone(): void {}

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.options.tty) this.addText('stdout', chunk, 0, chunk.length);
    else this.frames.readSpans(chunk, (stream, bytes, start, end) => this.addText(stream, bytes, start, end));
    this.chunkDone();
    done();
  }

  override _flush(done: TransformCallback): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) {
        const line = Buffer.concat(this.partial[stream]);
        this.emitLine(stream, line, 0, line.length);
      }
    }
    this.chunkDone();
    done();
  }

  /** The text `text[from, to)`: its whole lines, and the start of the next one kept for later. */
  private addText(stream: LogStreamName, text: Buffer, from: number, to: number): void {
    let start = from;
    for (let newline = nextNewline(text, start, to); newline !== -1; newline = nextNewline(text, start, to)) {
      if (this.partialBytes[stream] === 0 && newline - start <= this.maxLineBytes) {
        // The common case, a whole line in this payload: no copy, no view.
        this.emitLine(stream, text, start, newline);
      } else {
        this.append(stream, text.subarray(start, newline));
        const parts = this.partial[stream];
        const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        this.emitLine(stream, line, 0, line.length);
        this.partial[stream] = [];
        this.partialBytes[stream] = 0;
      }
      start = newline + 1;
    }
    // A copy, so the partial line does not hold on to the whole chunk.
    if (start < to) this.append(stream, Buffer.from(text.subarray(start, to)));
  }

  /** Adds to the partial line and hands out a piece of exactly maxLineBytes (to a character) while it is longer. */
  private append(stream: LogStreamName, bytes: Buffer): void {
    this.partial[stream].push(bytes);
    this.partialBytes[stream] += bytes.length;
    while (this.partialBytes[stream] > this.maxLineBytes) {
      const pending = Buffer.concat(this.partial[stream]);
      const cut = utf8Boundary(pending, this.maxLineBytes);
      this.emitLine(stream, pending, 0, cut);
      this.partial[stream] = [pending.subarray(cut)];
      this.partialBytes[stream] = pending.length - cut;
    }
  }
}

/** The engine's log stream as LogLine objects (the REST snapshot, shared followers' replay rings). */
export class LogLineParser extends LogLineSplitter {
  constructor(options: LogLinesOptions) {
    super(options);
  }

  protected emitLine(stream: LogStreamName, bytes: Buffer, start: number, end: number): void {
    let line = bytes.toString('utf8', start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!this.options.timestamps) {
      this.push({ stream, line } satisfies LogLine);
      return;
    }
    const space = line.indexOf(' ');
    const ts = space > 0 ? line.slice(0, space) : line;
    this.push({ stream, ts, line: space > 0 ? line.slice(space + 1) : '' } satisfies LogLine);
  }
}

/** The first newline in `bytes[from, to)`, or -1 (a loop: lines are short, and indexOf would search past `to`). */
function nextNewline(bytes: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) if (bytes[i] === 10) return i;
  return -1;
}

/** `at`, or the start of the UTF-8 character it falls inside, so a cut never splits a character. */
function utf8Boundary(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > at - 3 && cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : at;
}
