import { isUtf8 } from 'node:buffer';
import { LogLinesOptions, LogLineSplitter, LogStreamName } from './log-lines.js';

/** A WebSocket log frame, ready to send: the JSON array of `{stream, ts, line}` of a run of lines. */
export interface LogFrame {
  json: Buffer;
  lines: number;
  /** The `ts` of its last line: where a client dropped after it resumes. */
  lastTs?: string;
}

/** A frame is cut once it holds this much (the fan-out's batch bound). */
const FRAME_BYTES = 64 * 1024;
/** What a line costs beyond its text and time, at most: the keys, quotes, comma and brackets. */
const LINE_OVERHEAD = 48;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The control characters JSON.stringify writes as `\b` `\t` `\n` `\f` `\r` (0: as `\u00XX`). */
const SHORT_ESCAPES = new Uint8Array(32);
for (const [control, letter] of [
  [8, 'b'],
  [9, 't'],
  [10, 'n'],
  [12, 'f'],
  [13, 'r'],
] as const)
  SHORT_ESCAPES[control] = letter.charCodeAt(0);
const HEX = Buffer.from('0123456789abcdef');
const OPENERS: Record<LogStreamName, Buffer> = {
  stdout: Buffer.from('{"stream":"stdout","ts":"'),
  stderr: Buffer.from('{"stream":"stderr","ts":"'),
};
const OPENERS_NO_TS: Record<LogStreamName, Buffer> = {
  stdout: Buffer.from('{"stream":"stdout","line":"'),
  stderr: Buffer.from('{"stream":"stderr","line":"'),
};
const TS_TO_LINE = Buffer.from('","line":"');

/**
 * The engine's log stream straight to WebSocket frames, for a lone reader (a log read to its end):
 * the same lines, the same JSON as JSON.stringify of LogLine objects (log-streams.ts), written byte
 * by byte from the engine's chunks into one frame buffer, with no object, string or JSON.stringify
 * per line. Only a line that needs it is escaped; one that is not valid UTF-8 takes the slow path
 * (decoded with replacement characters, as LogLineParser does). One frame per chunk, at most ~64 KiB.
 */
export class LogFrameEncoder extends LogLineSplitter {
  private out = Buffer.allocUnsafe(FRAME_BYTES * 2);
  private at = 0;
  private lines = 0;
  private lastTs: [Buffer, number, number] | undefined;

  constructor(options: LogLinesOptions) {
    // A few frames ahead of a paused reader, not 16 (each is up to 64 KiB).
    super(options, 2);
  }

  protected emitLine(stream: LogStreamName, bytes: Buffer, start: number, end: number): void {
    if (end > start && bytes[end - 1] === 13) end--;
    this.reserve(end - start);
    this.put(this.lines === 0 ? 0x5b : 0x2c);
    if (this.options.timestamps) {
      let space = start;
      while (space < end && bytes[space] !== 0x20) space++;
      // No time (or nothing before the first space): all of it is the time, the line is empty.
      const tsEnd = space > start && space < end ? space : end;
      this.copy(OPENERS[stream], 0, OPENERS[stream].length);
      this.putString(bytes, start, tsEnd);
      this.copy(TS_TO_LINE, 0, TS_TO_LINE.length);
      this.putString(bytes, tsEnd === end ? end : tsEnd + 1, end);
      this.lastTs = [bytes, start, tsEnd];
    } else {
      this.copy(OPENERS_NO_TS[stream], 0, OPENERS_NO_TS[stream].length);
      this.putString(bytes, start, end);
    }
    this.put(QUOTE);
    this.put(0x7d);
    this.lines++;
    if (this.at >= FRAME_BYTES) this.chunkDone();
  }

  /** Pushes the frame made so far, if any line is in it. */
  protected override chunkDone(): void {
    if (this.lines === 0) return;
    this.put(0x5d);
    const json = Buffer.allocUnsafe(this.at);
    this.out.copy(json, 0, 0, this.at);
    const [tsBytes, tsStart, tsEnd] = this.lastTs ?? [undefined, 0, 0];
    this.push({ json, lines: this.lines, ...(tsBytes && { lastTs: tsBytes.toString('utf8', tsStart, tsEnd) }) } satisfies LogFrame);
    this.at = 0;
    this.lines = 0;
    this.lastTs = undefined;
  }

  /** Room for a line of `length` bytes escaped at worst (6 bytes a byte), its time and the frame's end. */
  private reserve(length: number): void {
    const need = this.at + length * 6 + LINE_OVERHEAD * 2;
    if (need <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.out.length * 2));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }

  private put(byte: number): void {
    this.out[this.at++] = byte;
  }

  private copy(source: Buffer, start: number, end: number): void {
    if (end - start > 32) {
      this.at += source.copy(this.out, this.at, start, end);
      return;
    }
    const out = this.out;
    let at = this.at;
    for (let i = start; i < end; i++) out[at++] = source[i];
    this.at = at;
  }

  /**
   * `bytes[start, end)` as the inside of a JSON string, exactly as JSON.stringify writes it, in one
   * pass: bytes copied, the few that need it escaped. Text that is not valid UTF-8 (checked at its
   * first non-ASCII byte) is decoded as LogLineParser does (invalid bytes become U+FFFD) and written
   * by JSON.stringify instead.
   */
  private putString(bytes: Buffer, start: number, end: number): void {
    const out = this.out;
    const first = this.at;
    let at = first;
    let utf8Checked = false;
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte >= 0x80) {
        if (!utf8Checked) {
          if (!isUtf8(bytes.subarray(start, end))) {
            const json = JSON.stringify(bytes.toString('utf8', start, end));
            this.at = first + out.write(json.slice(1, -1), first, 'utf8');
            return;
          }
          utf8Checked = true;
        }
        out[at++] = byte;
      } else if (byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH) {
        out[at++] = byte;
      } else if (byte >= 0x20 || SHORT_ESCAPES[byte] !== 0) {
        out[at++] = BACKSLASH;
        out[at++] = byte >= 0x20 ? byte : SHORT_ESCAPES[byte];
      } else {
        out[at++] = BACKSLASH;
        out[at++] = 0x75;
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX[byte >> 4];
        out[at++] = HEX[byte & 15];
      }
    }
    this.at = at;
  }
}
