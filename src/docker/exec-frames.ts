import { Transform, TransformCallback } from 'node:stream';
import type { LogStreamName } from './log-lines.js';

/** A piece of an exec's output, as raw bytes: a terminal needs them unsplit and undecoded. */
export interface ExecOutput {
  stream: LogStreamName;
  data: Buffer;
}

const HEADER_BYTES = 8;
const STREAM_BY_TYPE: Record<number, LogStreamName | undefined> = { 1: 'stdout', 2: 'stderr' };

/**
 * Splits an exec's output into stdout and stderr pieces. Without a TTY the engine frames
 * the output with 8-byte headers (type, 0, 0, 0, size); with a TTY it is one raw stream.
 * Unlike LogLineParser it keeps bytes as they come (no lines, no UTF-8), since a terminal
 * session carries escape sequences and partial characters.
 */
export class ExecOutputDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly tty: boolean) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.tty) {
      this.push({ stream: 'stdout', data: chunk } satisfies ExecOutput);
      return done();
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < size) break;
      const stream = STREAM_BY_TYPE[this.pending[offset]];
      const data = this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + size);
      if (stream && size > 0) this.push({ stream, data } satisfies ExecOutput);
      offset += HEADER_BYTES + size;
    }
    // Copy the unfinished rest: the pushed pieces may still point into this buffer.
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(offset));
    done();
  }
}
