import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import type { Channel } from './stream-metrics.js';

/** Sessions that run or reach a process in a container: audited at start and at end. */
export type InteractiveKind = 'exec' | 'attach';

/** Where a stream reads from, for its log line. */
export interface StreamWhere {
  /** Absent for a channel that reads no engine (e.g. a job's progress). */
  host?: string;
  container?: { id: string; name: string };
}

export interface InteractiveSession {
  kind: InteractiveKind;
  principal: Principal;
  host: string;
  container: { id: string; name: string };
  /** What runs (exec); the audit log is admin-only, so it is kept whole there, never in the info log. */
  cmd?: string[];
  tty: boolean;
  user?: string;
  workingDir?: string;
  remoteAddress?: string;
}

/** What a channel tells the audit about its session as it learns it; the end is recorded when the socket closes. */
export interface SessionOutcome {
  /** The process ended with this code (null: the engine did not say). */
  exited(exitCode: number | null): void;
  /** The engine refused or broke the session. */
  failed(reason: string): void;
  /** The client left the process running with the detach keys (attach). */
  detached(): void;
}

/** How the session ended, as its end record says. */
type Ending = { how: 'exited'; exitCode: number | null } | { how: 'failed'; reason: string } | { how: 'detached' } | { how: 'closed' };

/**
 * HTTP-like statuses for the end record: done (exited, or detached from a process left running),
 * the engine failed, or the socket closed before the process ended (nginx's 499; the close code
 * tells a client that left from a revocation or a shutdown).
 */
const END_STATUS = { exited: 200, detached: 200, failed: 502, closed: 499 } as const;

export const interactiveAction = (kind: InteractiveKind, phase: 'start' | 'end') => `container.${kind}.${phase}`;

/**
 * Who opened which stream. Interactive sessions (exec, attach) get an audit record when
 * they start and one when they end (exit code, duration); every stream gets an info log line.
 * The log line never carries a command's arguments (`mysql -pS3cret`): only the executable.
 */
@Injectable()
export class StreamAudit {
  private readonly logger = new Logger('StreamAudit');

  constructor(private readonly audit: AuditLog) {}

  /** A read-only stream (logs, events, stats) was admitted: one log line. */
  opened(channel: Channel, principal: Principal, target: StreamWhere): void {
    this.logger.log({
      msg: 'stream opened',
      channel,
      ...actorFields(principal),
      ...(target.host && { host: target.host }),
      ...(target.container && { container: target.container }),
    });
  }

  /** Records the start of an interactive session now, and its end when `socket` closes. */
  interactive(socket: WebSocket, session: InteractiveSession): SessionOutcome {
    const started = performance.now();
    const { kind, principal, host, container, cmd, tty, user, workingDir, remoteAddress } = session;
    const base = { actor: principal, targets: [container.id], remoteAddress };
    const where = { host, containerId: container.id, containerName: container.name };
    this.write({
      ...base,
      action: interactiveAction(kind, 'start'),
      // 101 Switching Protocols: the upgrade went through.
      status: 101,
      details: { ...where, ...(cmd && { cmd }), tty, ...(user && { user }), ...(workingDir && { workingDir }) },
    });
    this.logger.log({
      msg: `${kind} session started`,
      channel: kind,
      ...actorFields(principal),
      host,
      container,
      executable: cmd?.[0],
      tty,
    });

    let ending: Ending = { how: 'closed' };
    socket.once('close', (closeCode: number) => {
      const durationMs = performance.now() - started;
      const outcome =
        ending.how === 'exited'
          ? { exitCode: ending.exitCode }
          : ending.how === 'failed'
            ? { exitCode: null, reason: ending.reason }
            : { exitCode: null };
      this.write({
        ...base,
        action: interactiveAction(kind, 'end'),
        status: END_STATUS[ending.how],
        durationMs,
        details: { ...where, ended: ending.how, ...outcome, closeCode },
      });
      this.logger.log({
        msg: `${kind} session ended`,
        channel: kind,
        ...actorFields(principal),
        host,
        container,
        ended: ending.how,
        exitCode: outcome.exitCode,
        durationMs: Math.round(durationMs),
      });
    });
    return {
      exited: (exitCode) => {
        if (ending.how === 'closed') ending = { how: 'exited', exitCode };
      },
      failed: (reason) => {
        if (ending.how === 'closed') ending = { how: 'failed', reason };
      },
      detached: () => {
        if (ending.how === 'closed') ending = { how: 'detached' };
      },
    };
  }

  private write(record: AuditRecord): void {
    this.audit
      .record(record)
      .catch((error: unknown) => this.logger.error({ msg: 'audit record failed', err: error, action: record.action }));
  }
}

/** Who, for a log line: never a credential. */
function actorFields(principal: Principal): Record<string, string> {
  return {
    actorKind: principal.kind,
    userId: principal.userId,
    username: principal.username,
    role: principal.role,
    ...(principal.apiKeyId && { apiKeyId: principal.apiKeyId }),
  };
}
