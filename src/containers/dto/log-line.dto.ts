/** One log line. */
export class LogLineDto {
  /** @example stdout */
  stream: 'stdout' | 'stderr';
  /**
   * The engine's RFC 3339 timestamp of the line, with `timestamps=true`.
   * @example 2026-11-26T17:02:11.804163002Z
   */
  ts?: string;
  /** @example "GET /index.html HTTP/1.1 200" */
  line: string;
}
