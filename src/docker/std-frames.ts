import type { LogStreamName } from './log-lines.js';

const HEADER_BYTES = 8;
const STREAM_BY_TYPE: Record<number, LogStreamName | undefined> = { 1: 'stdout', 2: 'stderr' };

/**
 * The engine's stdout/stderr multiplexing of a container without a TTY (logs, attach, exec):
 * frames of an 8-byte header (stream type, 0, 0, 0, payload size as uint32 BE) and the payload.
 * Frames may arrive split across chunks; the unfinished rest waits for the next one.
 */
export class StdFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Calls `onFrame` for every whole frame received so far; a payload may point into `chunk`. */
  read(chunk: Buffer, onFrame: (stream: LogStreamName, payload: Buffer) => void): void {
    this.readSpans(chunk, (stream, bytes, start, end) => onFrame(stream, bytes.subarray(start, end)));
  }

  /** The same, each payload as `bytes[start, end)`: no view per frame (a log has a frame per line). */
  readSpans(chunk: Buffer, onFrame: (stream: LogStreamName, bytes: Buffer, start: number, end: number) => void): void {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const size = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER_BYTES < size) break;
      const stream = STREAM_BY_TYPE[data[offset]];
      if (stream) onFrame(stream, data, offset + HEADER_BYTES, offset + HEADER_BYTES + size);
      offset += HEADER_BYTES + size;
    }
    // Copy the unfinished rest: pieces handed out may still point into this buffer.
    this.pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
  }
}
