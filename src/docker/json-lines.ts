import { Transform, TransformCallback } from 'node:stream';

/**
 * Newline-delimited JSON (the engine's events, stats and progress streams) into objects. Lines
 * are cut on the newline byte before any decoding: that byte never occurs inside a multi-byte
 * UTF-8 character, so a character split across two chunks is decoded whole. A line that is not
 * JSON is skipped rather than ending the stream; one longer than the bound (in bytes) is dropped.
 */
export class JsonLines extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside a line that passed the bound: its bytes are dropped up to the next newline. */
  private discarding = false;

  constructor(private readonly maxLineBytes = 1024 * 1024) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.keep(chunk.subarray(start, end));
      this.endLine();
      start = end + 1;
    }
    this.keep(chunk.subarray(start));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.endLine();
    done();
  }

  private keep(bytes: Buffer): void {
    if (this.discarding || bytes.length === 0) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private endLine(): void {
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const text = line.toString('utf8');
    if (!text.trim()) return;
    try {
      this.push(JSON.parse(text));
    } catch {
      // Not JSON: nothing a reader could use.
    }
  }
}
