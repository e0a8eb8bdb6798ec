import { Transform, TransformCallback } from 'node:stream';
import type { LogLine } from '../docker/log-lines.js';

export type LogFormat = 'json' | 'ndjson' | 'text';

export const LOG_CONTENT_TYPES: Record<LogFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

/**
 * LogLine objects → bytes of one format, one line at a time, so a snapshot of any size streams:
 * `json` is one array written element by element, `ndjson` one object a line, `text` what
 * `docker logs` prints (with `-t`, the timestamp first).
 */
export class LogLineFormatter extends Transform {
  private count = 0;

  constructor(private readonly format: LogFormat) {
    super({ writableObjectMode: true });
  }

  override _transform(line: LogLine, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += 1;
    switch (this.format) {
      case 'json':
        done(null, `${this.count === 1 ? '[' : ','}\n${JSON.stringify(line)}`);
        return;
      case 'ndjson':
        done(null, `${JSON.stringify(line)}\n`);
        return;
      case 'text':
        done(null, `${line.ts ? `${line.ts} ` : ''}${line.line}\n`);
        return;
    }
  }

  override _flush(done: TransformCallback): void {
    done(null, this.format === 'json' ? (this.count === 0 ? '[]\n' : '\n]\n') : undefined);
  }
}
