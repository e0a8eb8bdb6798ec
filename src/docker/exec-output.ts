/** What the engine's demuxer writes one stream of an exec to. */
export interface OutputSink {
  write(chunk: Buffer): void;
}

/**
 * Keeps the first `maxBytes` written to it and counts (then drops) the rest, so a command that
 * prints gigabytes costs no more memory than the cap while it still runs to its own end.
 */
export class CappedOutput implements OutputSink {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte the command wrote, kept or not. */
  totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  get truncated(): boolean {
    return this.totalBytes > this.kept;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  write(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const room = this.maxBytes - this.kept;
    if (room <= 0) return;
    const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(Buffer.from(piece));
    this.kept += piece.length;
  }
}

/** The first line a killable exec writes to stderr: the shell's pid, which `exec` hands to the command. */
export const PID_MARKER = 'berth-exec-pid:';
const MARKER_LINE_MAX = 64;

/** stderr of a killable exec: peels off the pid marker line and passes everything else on. */
export class MarkedStderr implements OutputSink {
  pid: number | undefined;
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly next: OutputSink) {}

  get sawMarker(): boolean {
    return this.pid !== undefined;
  }

  write(chunk: Buffer): void {
    if (!this.head) return this.next.write(chunk);
    const head = Buffer.concat([this.head, chunk]);
    const newline = head.indexOf(10);
    if (newline === -1 && head.length < MARKER_LINE_MAX) {
      this.head = head;
      return;
    }
    this.head = undefined;
    const first = newline === -1 ? '' : head.subarray(0, newline).toString('utf8');
    if (first.startsWith(PID_MARKER)) {
      this.pid = Number(first.slice(PID_MARKER.length)) || undefined;
      const rest = head.subarray(newline + 1);
      if (rest.length) this.next.write(rest);
      return;
    }
    this.next.write(head);
  }

  /** Hands on a short first line that never got its newline. */
  end(): void {
    if (this.head?.length) this.next.write(this.head);
    this.head = undefined;
  }
}

/**
 * The command wrapped so Berth can kill it on timeout on any engine, local or remote: the engine
 * has no "kill exec" call and only knows the host pid, so a shell reports its pid inside the
 * container and then `exec`s the command unchanged (same pid, arguments passed as "$@", no
 * re-parsing).
 */
export function killableCommand(cmd: string[]): string[] {
  return ['sh', '-c', `echo "${PID_MARKER}$$" >&2; exec "$@"`, 'sh', ...cmd];
}

/**
 * Kills a process and everything it started (children first stopped, so none respawns), from a
 * second exec as root: `sh -c 'sleep 100; ...'` would otherwise leave `sleep` holding the output.
 */
export function killTreeCommand(pid: number): string[] {
  const script =
    'k() { kill -STOP "$1" 2>/dev/null; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do k "$c"; done; kill -KILL "$1" 2>/dev/null; }; k "$1"';
  return ['sh', '-c', script, 'sh', String(pid)];
}

/** The wrapper could not start because the image has no `sh`: the command never ran. */
export function shellMissing(exitCode: number | null, sawMarker: boolean, stdout: string): boolean {
  return !sawMarker && (exitCode === 126 || exitCode === 127) && stdout.includes('"sh"');
}
