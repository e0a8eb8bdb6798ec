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
 * Turns the engine's log stream into LogLine objects: demultiplexes the 8-byte frame headers
 * of a non-TTY container, splits on newlines (a line may span frames) and peels off timestamps.
 * A Transform, so a slow reader pauses the engine stream instead of growing a buffer.
 */
export class LogLineParser extends Transform {
  private readonly frames = new StdFrameReader();
  private readonly partial: Record<LogStreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialBytes: Record<LogStreamName, number> = { stdout: 0, stderr: 0 };
  private readonly maxLineBytes: number;

  constructor(private readonly options: LogLinesOptions) {
    super({ readableObjectMode: true });
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.options.tty) {
      this.addText('stdout', chunk);
      return done();
    }
    this.frames.read(chunk, (stream, payload) => this.addText(stream, payload));
    done();
  }

  override _flush(done: TransformCallback): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialBytes[stream] > 0) this.emitLine(stream, Buffer.concat(this.partial[stream]));
    }
    done();
  }

  private addText(stream: LogStreamName, text: Buffer): void {
    let start = 0;
    for (let newline = text.indexOf(10, start); newline !== -1; newline = text.indexOf(10, start)) {
      this.append(stream, text.subarray(start, newline));
      const line = this.partial[stream];
      this.emitLine(stream, line.length === 1 ? line[0] : Buffer.concat(line));
      this.partial[stream] = [];
      this.partialBytes[stream] = 0;
      start = newline + 1;
    }
    // A copy, so the partial line does not hold on to the whole chunk.
    if (start < text.length) this.append(stream, Buffer.from(text.subarray(start)));
  }

  /** Adds to the partial line and hands out a piece of exactly maxLineBytes (to a character) while it is longer. */
  private append(stream: LogStreamName, bytes: Buffer): void {
    this.partial[stream].push(bytes);
    this.partialBytes[stream] += bytes.length;
    while (this.partialBytes[stream] > this.maxLineBytes) {
      const pending = Buffer.concat(this.partial[stream]);
      const cut = utf8Boundary(pending, this.maxLineBytes);
      this.emitLine(stream, pending.subarray(0, cut));
      this.partial[stream] = [pending.subarray(cut)];
      this.partialBytes[stream] = pending.length - cut;
    }
  }

  private emitLine(stream: LogStreamName, bytes: Buffer): void {
    let line = bytes.toString('utf8');
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

/** `at`, or the start of the UTF-8 character it falls inside, so a cut never splits a character. */
function utf8Boundary(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > at - 3 && cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : at;
}
