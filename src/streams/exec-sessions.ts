import { Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineExecSession } from '../docker/engine-types.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode, closeReason } from './close-codes.js';
import { ExecStreamQueryDto } from './dto/stream-query.dto.js';
import type { SessionOutcome } from './stream-audit.js';
import { TERMINAL_SUBPROTOCOL, applyClientFrame, frameSequencer, onClientFrames, sendOutput, sendStatus } from './terminal-frames.js';

export type ExecContext = ChannelContext<ExecStreamQueryDto, 'running container'>;

/** Ctrl-C, Ctrl-D: the engine cannot kill an exec, and a closed connection leaves a TTY process running. */
const TTY_HANGUP = Buffer.from([0x03, 0x04]);
/** After the client leaves, how long the process has to end on its own once stdin is closed. */
const HANGUP_GRACE_MS = 2000;

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
    if (!this.runtime.sessions.admit(socket, context.principal, 'exec', hangUp, context.engine.host.id)) return;
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
    const opening: Promise<unknown> = context.engine
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

    onClientFrames(
      socket,
      (code, reason) => this.runtime.sessions.end(socket, code, reason),
      frameSequencer(opening, (frame) => (exec && !clientGone ? applyClientFrame(socket, exec, frame, this.logger) : undefined)),
    );
  }

  /** Output to the client with backpressure, then the exit status and a normal close. */
  private pump(socket: WebSocket, exec: EngineExecSession, outcome: SessionOutcome): void {
    sendOutput(socket, exec.output, this.runtime.config.streamBufferBytes);
    exec.output.once('end', () => {
      exec.exitCode().then(
        (exitCode) => {
          outcome.exited(exitCode);
          if (socket.readyState !== WebSocket.OPEN) return;
          sendStatus(socket, { exitCode });
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

/** `/api/v1/ws/exec?container=&cmd=`: an interactive process in a running container, for operators. */
export const execChannel = declareChannel({
  name: 'exec',
  path: '/api/v1/ws/exec',
  query: ExecStreamQueryDto,
  repeated: ['cmd'],
  role: 'operator',
  target: 'running container',
  feed: ExecSessions,
  subprotocol: TERMINAL_SUBPROTOCOL,
});
