/** One log line. */
export class LogLineDto {
  stream: 'stdout' | 'stderr';
  /** The engine's RFC 3339 timestamp of the line, with `timestamps=true`. */
  ts?: string;
  line: string;
}
