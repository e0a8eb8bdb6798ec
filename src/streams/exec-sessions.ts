import { Injectable, Logger } from '@nestjs/common';
import { WebSocket, type RawData } from 'ws';
import { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineExecSession } from '../docker/engine-types.js';
import type { ExecOutput } from '../docker/exec-frames.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode, closeReason } from './close-codes.js';
import { ExecStreamQueryDto } from './dto/stream-query.dto.js';
import type { SessionOutcome } from './stream-audit.js';

export type ExecContext = ChannelContext<ExecStreamQueryDto, 'running container'>;

/** Channel bytes of the Kubernetes `v4.channel.k8s.io` framing. */
export const ExecChannel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4 } as const;
export const EXEC_SUBPROTOCOL = 'v4.channel.k8s.io';

/** Ctrl-C, Ctrl-D: the engine cannot kill an exec, and a closed connection leaves a TTY process running. */
const TTY_HANGUP = Buffer.from([0x03, 0x04]);
/** After the client leaves, how long the process has to end on its own once stdin is closed. */
const HANGUP_GRACE_MS = 2000;
const MAX_TERMINAL_SIZE = 10_000;

/**
 * `/api/v1/ws/exec`: one interactive exec per socket. Client frames are handled in order
 * (a resize is applied before the stdin that follows it). When the client goes, stdin is
 * closed (and a TTY gets Ctrl-C, Ctrl-D), and after a grace period the engine connection is
 * cut. The engine has no call to kill an exec: a process that ignores all of that (reads no
 * input, traps SIGINT) keeps running until it ends or its container stops.
 */
@Injectable()
export class ExecSessions implements ChannelFeed<ExecContext> {
  private readonly logger = new Logger('ExecSessions');

  constructor(
    private readonly runtime: ChannelRuntime,
    /** The containers module's entry rule: exec's deliberate dependency on that feature. */
    private readonly policy: ContainerPolicy,
  ) {}

  /** Before the upgrade: a container the create policy would deny is an admin's to enter. */
  async check({ engine, target, principal }: ExecContext): Promise<void> {
    await this.policy.authorizeEntry(engine, target.id, principal, 'exec');
  }

  attach(socket: WebSocket, context: ExecContext): void {
    let exec: EngineExecSession | undefined;
    let clientGone = false;
    const hangUp = () => {
      clientGone = true;
      if (!exec) return;
      // What a terminal does when it goes away: interrupt, then end of input. Without a TTY,
      // closing stdin is the end of input.
      if (context.query.tty) exec.input.write(TTY_HANGUP);
      exec.input.end();
      const session = exec;
      setTimeout(() => session.destroy(), HANGUP_GRACE_MS).unref();
    };
    if (!this.runtime.sessions.admit(socket, context.principal, 'exec', hangUp)) return;
    const outcome = this.runtime.audit.interactive(socket, {
      kind: 'exec',
      principal: context.principal,
      host: context.engine.host.id,
      container: { id: context.target.id, name: context.target.name },
      cmd: context.query.cmd,
      tty: context.query.tty ?? false,
      user: context.query.user,
      workingDir: context.query.workingDir,
      remoteAddress: context.remoteAddress,
    });

    // Frames that arrive before the exec runs wait for it, in order; read no more until then.
    socket.pause();
    let queue: Promise<unknown> = context.engine
      .openExec(context.target, {
        cmd: context.query.cmd,
        tty: context.query.tty,
        user: context.query.user,
        workingDir: context.query.workingDir,
      })
      .then((opened) => {
        exec = opened;
        opened.output.once('close', this.runtime.engineStreamOpened('exec'));
        if (clientGone) return hangUp();
        this.pump(socket, opened, outcome);
        socket.resume();
      })
      .catch((error: { detail?: string }) => {
        outcome.failed(error.detail ?? 'the engine refused the exec');
        this.runtime.sessions.end(socket, CloseCode.internalError, closeReason(error.detail ?? 'the engine refused the exec'));
      });

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.runtime.sessions.end(socket, CloseCode.unsupportedData, 'binary frames only: a channel byte, then the payload');
        return;
      }
      const frame = toBuffer(data);
      queue = queue.then(() => (exec && !clientGone ? this.onClientFrame(socket, exec, frame) : undefined));
    });
  }

  private async onClientFrame(socket: WebSocket, exec: EngineExecSession, frame: Buffer): Promise<void> {
    const payload = frame.subarray(1);
    switch (frame[0]) {
      case ExecChannel.stdin:
        if (payload.length === 0) return;
        if (!exec.input.write(payload)) {
          // The process reads slower than the client types: stop reading the client.
          socket.pause();
          exec.input.once('drain', () => socket.resume());
        }
        return;
      case ExecChannel.resize: {
        const size = parseResize(payload);
        if (!size) return;
        try {
          await exec.resize(size.width, size.height);
        } catch (error) {
          this.logger.debug({ err: error }, 'resize refused');
        }
        return;
      }
      default:
        // Channels a client may not write (1-3) or does not know: ignored, as Kubernetes does.
        return;
    }
  }

  /** Output to the client with backpressure, then the exit status and a normal close. */
  private pump(socket: WebSocket, exec: EngineExecSession, outcome: SessionOutcome): void {
    let pending = 0;
    let paused = false;
    const bound = this.runtime.config.streamBufferBytes;
    exec.output.on('data', ({ stream, data }: ExecOutput) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      const frame = Buffer.allocUnsafe(data.length + 1);
      frame[0] = stream === 'stdout' ? ExecChannel.stdout : ExecChannel.stderr;
      data.copy(frame, 1);
      pending += frame.length;
      socket.send(frame, { binary: true }, () => {
        pending -= frame.length;
        if (paused && pending <= bound / 2) {
          paused = false;
          exec.output.resume();
        }
      });
      if (!paused && pending > bound) {
        paused = true;
        exec.output.pause();
      }
    });
    exec.output.once('end', () => {
      exec.exitCode().then(
        (exitCode) => {
          outcome.exited(exitCode);
          if (socket.readyState !== WebSocket.OPEN) return;
          socket.send(Buffer.concat([Buffer.from([ExecChannel.status]), Buffer.from(JSON.stringify({ exitCode }))]), { binary: true });
          this.runtime.sessions.end(socket, CloseCode.normal, 'process exited');
        },
        () => {
          outcome.failed('the engine did not report the exit code');
          this.runtime.sessions.end(socket, CloseCode.internalError, 'the engine did not report the exit code');
        },
      );
    });
    exec.output.once('error', () => {
      outcome.failed('the exec stream failed');
      this.runtime.sessions.end(socket, CloseCode.internalError, 'the exec stream failed');
    });
  }
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

/** `/api/v1/ws/exec?container=&cmd=`: an interactive process in a running container, for operators. */
export const execChannel = declareChannel({
  name: 'exec',
  path: '/api/v1/ws/exec',
  query: ExecStreamQueryDto,
  repeated: ['cmd'],
  role: 'operator',
  target: 'running container',
  feed: ExecSessions,
  subprotocol: EXEC_SUBPROTOCOL,
});
