import { Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { ProblemException } from '../common/problem.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineAttachSession } from '../docker/engine-types.js';
import { ChannelContext, ChannelFeed, declareChannel } from './channel.js';
import { ChannelRuntime } from './channel-runtime.js';
import { CloseCode, closeReason } from './close-codes.js';
import { AttachStreamQueryDto } from './dto/stream-query.dto.js';
import type { SessionOutcome } from './stream-audit.js';
import { TERMINAL_SUBPROTOCOL, applyClientFrame, frameSequencer, onClientFrames, sendOutput, sendStatus } from './terminal-frames.js';

export type AttachContext = ChannelContext<AttachStreamQueryDto, 'running container'>;

/**
 * What the status channel (3) of an attach says: `{readOnly: true}` first when the container
 * has no open stdin (what the client types is dropped), then one ending before the close 1000:
 * `{exitCode}` when the process ended, `{detached: true}` when it runs on (detach keys, or the
 * end of a `stream=false` replay).
 */
export type AttachStatus = { readOnly: true } | { exitCode: number | null } | { detached: true };

/**
 * `/api/v1/ws/attach`: `docker attach` over the exec framing, one engine attach per socket (the
 * engine lets several clients attach; each sees the output, each one's stdin is forwarded).
 * The engine ends the stream on the process's exit and on the detach keys alike; Berth tells them
 * apart by inspecting the container once it has: the engine stops it before it lets the inspect
 * answer. A client that closes the socket leaves the process running, as `docker attach` does.
 */
@Injectable()
export class AttachSessions implements ChannelFeed<AttachContext> {
  private readonly logger = new Logger('AttachSessions');

  constructor(
    private readonly runtime: ChannelRuntime,
    /** The containers module's entry rule, as exec applies it. */
    private readonly policy: ContainerPolicy,
  ) {}

  /** Before the upgrade: a container the create policy would deny is an admin's to attach to. */
  async check({ engine, target, principal }: AttachContext): Promise<void> {
    // By the full id the target resolved to: what is judged is what is attached to.
    await this.policy.authorizeEntry(engine, target.id, principal, 'attach');
  }

  attach(socket: WebSocket, context: AttachContext): void {
    const { engine, target, query } = context;
    let session: EngineAttachSession | undefined;
    let clientGone = false;
    // Closing the connection is how an attach leaves: the process keeps running, stdin included.
    const hangUp = () => {
      clientGone = true;
      session?.destroy();
    };
    if (!this.runtime.sessions.admit(socket, context.principal, 'attach', hangUp, engine.host.id)) return;
    const outcome = this.runtime.audit.interactive(socket, {
      kind: 'attach',
      principal: context.principal,
      host: engine.host.id,
      container: { id: target.id, name: target.name },
      tty: target.tty,
      remoteAddress: context.remoteAddress,
    });
    const stdin = Boolean(target.openStdin);
    if (!stdin) sendStatus(socket, { readOnly: true } satisfies AttachStatus);

    // Frames that arrive before the attach is open wait for it, in order; read no more until then.
    socket.pause();
    const opening: Promise<unknown> = engine
      .openAttach(target, { logs: query.logs, stream: query.stream, stdin, detachKeys: query.detachKeys })
      .then((opened) => {
        session = opened;
        opened.output.once('close', this.runtime.engineStreamOpened('attach'));
        if (clientGone) return opened.destroy();
        this.pump(socket, context, opened, outcome);
        socket.resume();
      })
      .catch((error: { detail?: string }) => {
        outcome.failed(error.detail ?? 'the engine refused the attach');
        this.runtime.sessions.end(socket, CloseCode.internalError, closeReason(error.detail ?? 'the engine refused the attach'));
      });

    onClientFrames(
      socket,
      (code, reason) => this.runtime.sessions.end(socket, code, reason),
      frameSequencer(opening, (frame) =>
        session && !clientGone ? applyClientFrame(socket, session, frame, this.logger, stdin) : undefined,
      ),
    );
  }

  /** Output to the client with backpressure; once it ends, whether the process exited or runs on. */
  private pump(socket: WebSocket, context: AttachContext, session: EngineAttachSession, outcome: SessionOutcome): void {
    sendOutput(socket, session.output, this.runtime.config.streamBufferBytes);
    session.output.once('end', () => {
      if (socket.readyState !== WebSocket.OPEN) return;
      this.ending(context).then(
        (status) => {
          if ('exitCode' in status) outcome.exited(status.exitCode);
          else outcome.detached();
          sendStatus(socket, status);
          this.runtime.sessions.end(socket, CloseCode.normal, 'exitCode' in status ? 'process exited' : 'detached');
        },
        () => {
          outcome.failed('the engine did not report the container state');
          this.runtime.sessions.end(socket, CloseCode.internalError, 'the engine did not report the container state');
        },
      );
    });
    session.output.once('error', () => {
      outcome.failed('the attach stream failed');
      this.runtime.sessions.end(socket, CloseCode.internalError, 'the attach stream failed');
    });
  }

  /** Exited or detached: the container's state once the engine ended the stream (gone, e.g. `--rm`: exited, code unknown). */
  private async ending({ engine, target }: AttachContext): Promise<AttachStatus> {
    try {
      const { State } = await engine.inspectContainer(target.id);
      return State.Running ? { detached: true } : { exitCode: typeof State.ExitCode === 'number' ? State.ExitCode : null };
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 404) return { exitCode: null };
      throw error;
    }
  }
}

/** `/api/v1/ws/attach?container=`: `docker attach` to a running container's main process, for operators. */
export const attachChannel = declareChannel({
  name: 'attach',
  path: '/api/v1/ws/attach',
  query: AttachStreamQueryDto,
  role: 'operator',
  target: 'running container',
  validate: (query) => {
    if (!query.stream && !query.logs) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'stream=false attaches to nothing: it needs logs=true (the replay only).', {
        errors: [{ field: 'stream', message: 'stream=false needs logs=true' }],
      });
    }
  },
  feed: AttachSessions,
  subprotocol: TERMINAL_SUBPROTOCOL,
});
