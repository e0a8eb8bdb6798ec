import { Transform, TransformCallback } from 'node:stream';
import type { LogStreamName } from './log-lines.js';
import { StdFrameReader } from './std-frames.js';

/** A piece of an exec's output, as raw bytes: a terminal needs them unsplit and undecoded. */
export interface ExecOutput {
  stream: LogStreamName;
  data: Buffer;
}

/**
 * Splits an exec's or an attach's output into stdout and stderr pieces. Without a TTY the engine frames
 * the output with 8-byte headers (type, 0, 0, 0, size); with a TTY it is one raw stream.
 * Unlike LogLineParser it keeps bytes as they come (no lines, no UTF-8), since a terminal
 * session carries escape sequences and partial characters.
 */
export class ExecOutputDemuxer extends Transform {
  private readonly frames = new StdFrameReader();

  constructor(private readonly tty: boolean) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.tty) {
      this.push({ stream: 'stdout', data: chunk } satisfies ExecOutput);
      return done();
    }
    this.frames.read(chunk, (stream, data) => {
      if (data.length > 0) this.push({ stream, data } satisfies ExecOutput);
    });
    done();
  }
}
