import { Transform, TransformCallback } from 'node:stream';

/**
 * Newline-delimited JSON (the engine's events and stats streams) into objects. A line that
 * is not JSON is skipped rather than ending the stream; one longer than the bound is dropped.
 */
export class JsonLines extends Transform {
  private partial = '';

  constructor(private readonly maxLineBytes = 1024 * 1024) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.maxLineBytes) this.partial = '';
    for (const line of lines) this.parse(line);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.parse(this.partial);
    done();
  }

  private parse(line: string): void {
    if (!line.trim()) return;
    try {
      this.push(JSON.parse(line));
    } catch {
      // Not JSON: nothing a reader could use.
    }
  }
}
