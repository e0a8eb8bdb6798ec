import type { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { EngineAttachSession } from '../docker/engine-types.js';
import type { ExecOutput } from '../docker/exec-frames.js';
import { CloseCode } from './close-codes.js';

// The Kubernetes channel framing that exec and attach speak: one place for both.

/** Channel bytes of the Kubernetes `v4.channel.k8s.io` framing. */
export const TerminalChannel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4 } as const;
export const TERMINAL_SUBPROTOCOL = 'v4.channel.k8s.io';

const MAX_TERMINAL_SIZE = 10_000;

/** What a client's frames act on: the process's stdin and its TTY. */
export type TerminalInput = Pick<EngineAttachSession, 'input' | 'resize'>;

/**
 * Hands each binary frame of the client to `onFrame`, in order; a text frame ends the session
 * with 1003 (the framing is binary: a channel byte, then the payload).
 */
export function onClientFrames(socket: WebSocket, end: (code: number, reason: string) => void, onFrame: (frame: Buffer) => void): void {
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) {
      end(CloseCode.unsupportedData, 'binary frames only: a channel byte, then the payload');
      return;
    }
    onFrame(toBuffer(data));
  });
}

/**
 * Applies client frames one at a time, in order, after `first` (the exec or attach opening). A resize waits for an
 * engine call; while one waits its turn, a later resize takes its place instead of queuing behind it (only the last
 * size matters; it may then come ahead of stdin sent before it), so a client sending resizes faster than the engine
 * answers holds one, not all of them.
 */
export function frameSequencer(first: Promise<unknown>, apply: (frame: Buffer) => Promise<void> | void): (frame: Buffer) => void {
  let queue = first;
  let waitingResize: { frame: Buffer } | undefined;
  return (frame) => {
    if (frame[0] === TerminalChannel.resize) {
      if (waitingResize) {
        waitingResize.frame = frame;
        return;
      }
      const slot = { frame };
      waitingResize = slot;
      queue = queue.then(() => {
        if (waitingResize === slot) waitingResize = undefined;
        return apply(slot.frame);
      });
      return;
    }
    queue = queue.then(() => apply(frame));
  };
}

/**
 * One client frame: stdin to the process (unless `stdin` is false: a read-only attach), a resize
 * to its TTY. Channels a client may not write (1-3) or does not know are ignored, as Kubernetes does.
 */
export async function applyClientFrame(
  socket: WebSocket,
  target: TerminalInput,
  frame: Buffer,
  logger: Logger,
  stdin = true,
): Promise<void> {
  const payload = frame.subarray(1);
  switch (frame[0]) {
    case TerminalChannel.stdin:
      if (!stdin || payload.length === 0) return;
      if (!target.input.write(payload)) {
        // The process reads slower than the client types: stop reading the client.
        socket.pause();
        target.input.once('drain', () => socket.resume());
      }
      return;
    case TerminalChannel.resize: {
      const size = parseResize(payload);
      if (!size) return;
      try {
        await target.resize(size.width, size.height);
      } catch (error) {
        logger.debug({ err: error }, 'resize refused');
      }
      return;
    }
    default:
      return;
  }
}

/** ExecOutput pieces to the client on channels 1 and 2, reading the engine no faster than the client takes them. */
export function sendOutput(socket: WebSocket, output: Readable, bound: number): void {
  let pending = 0;
  let paused = false;
  output.on('data', ({ stream, data }: ExecOutput) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = stream === 'stdout' ? TerminalChannel.stdout : TerminalChannel.stderr;
    data.copy(frame, 1);
    pending += frame.length;
    socket.send(frame, { binary: true }, () => {
      pending -= frame.length;
      if (paused && pending <= bound / 2) {
        paused = false;
        output.resume();
      }
    });
    if (!paused && pending > bound) {
      paused = true;
      output.pause();
    }
  });
}

/** A status frame (channel 3): one JSON object. */
export function sendStatus(socket: WebSocket, status: Record<string, unknown>): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  socket.send(Buffer.concat([Buffer.from([TerminalChannel.status]), Buffer.from(JSON.stringify(status))]), { binary: true });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** `{Width, Height}` as Kubernetes clients send it (lower case accepted too); null when unusable. */
export function parseResize(payload: Buffer): { width: number; height: number } | null {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  const width = record.Width ?? record.width;
  const height = record.Height ?? record.height;
  const valid = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_TERMINAL_SIZE;
  return valid(width) && valid(height) ? { width, height } : null;
}
