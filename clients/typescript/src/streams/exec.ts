// An interactive exec over /api/v1/ws/exec, in the v4.channel.k8s.io framing: each binary frame is one
// channel byte, then the payload.
import { BerthStreamError } from './errors.js';
import { FrameQueue } from './frame-queue.js';
import { type StreamConnection, openSocket } from './socket.js';

export const ExecChannel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4 } as const;
export type ExecChannel = (typeof ExecChannel)[keyof typeof ExecChannel];

export interface ExecQuery {
  host?: string;
  container: string;
  /** The command and its arguments; `['sh']` when left out. */
  cmd?: readonly string[];
  /** Allocate a TTY (then all output comes as stdout). */
  tty?: boolean;
  /** Name or uid[:gid]. */
  user?: string;
  workingDir?: string;
}

export interface ExecOutput {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

export interface ExecSession {
  /** What the process writes, in order; ends when it has exited (or the session was closed). */
  output: AsyncIterableIterator<ExecOutput>;
  /** The exit code (null when the engine does not say); rejects when the session ends without one. */
  exitCode: Promise<number | null>;
  /** Bytes (or UTF-8 text) to the process's stdin. */
  write(data: string | Uint8Array): void;
  /** The TTY's size, applied before any stdin written after it; ignored without a TTY. */
  resize(size: { width: number; height: number }): void;
  /** Closes stdin (a TTY gets Ctrl-C and Ctrl-D first) and the stream. */
  close(): void;
}

const encoder = new TextEncoder();

export function encodeFrame(channel: ExecChannel, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(payload.length + 1);
  frame[0] = channel;
  frame.set(payload, 1);
  return frame;
}

export function decodeFrame(frame: Uint8Array): { channel: number; payload: Uint8Array } {
  return { channel: frame[0], payload: frame.subarray(1) };
}

/** Starts `cmd` in a running container; resolves once the stream is open. */
export async function exec(connection: StreamConnection, query: ExecQuery): Promise<ExecSession> {
  const socket = await openSocket(connection, '/api/v1/ws/exec', { ...query }, ['v4.channel.k8s.io']);
  const output = new FrameQueue<ExecOutput>(() => socket.close());
  let exited: { resolve: (code: number | null) => void; reject: (error: unknown) => void } | undefined;
  const exitCode = new Promise<number | null>((resolve, reject) => (exited = { resolve, reject }));
  // Callers may only read `output`: an exit code nobody awaits must not be an unhandled rejection.
  exitCode.catch(() => undefined);

  void (async () => {
    let status: { exitCode: number | null } | undefined;
    try {
      for await (const frame of socket.frames) {
        if (typeof frame === 'string') continue;
        const { channel, payload } = decodeFrame(frame);
        if (channel === ExecChannel.stdout || channel === ExecChannel.stderr) {
          output.push({ stream: channel === ExecChannel.stdout ? 'stdout' : 'stderr', data: payload });
        } else if (channel === ExecChannel.status) {
          status = JSON.parse(new TextDecoder().decode(payload)) as { exitCode: number | null };
        }
      }
      output.end();
      if (status) exited?.resolve(status.exitCode ?? null);
      else exited?.reject(new BerthStreamError('the exec ended without an exit status', 1000, ''));
    } catch (error) {
      output.end(error);
      exited?.reject(error);
    }
  })();

  return {
    output,
    exitCode,
    write: (data) => socket.send(encodeFrame(ExecChannel.stdin, typeof data === 'string' ? encoder.encode(data) : data)),
    resize: ({ width, height }) =>
      socket.send(encodeFrame(ExecChannel.resize, encoder.encode(JSON.stringify({ Width: width, Height: height })))),
    close: () => socket.close(),
  };
}

/** Everything a session prints, as text, and its exit code: for commands that are not interactive. */
export async function collectOutput(session: ExecSession): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const text = { stdout: '', stderr: '' };
  for await (const { stream, data } of session.output) text[stream] += decoders[stream].decode(data, { stream: true });
  return {
    stdout: text.stdout + decoders.stdout.decode(),
    stderr: text.stderr + decoders.stderr.decode(),
    exitCode: await session.exitCode,
  };
}
