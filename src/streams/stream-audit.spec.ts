import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { InteractiveSession, StreamAudit } from './stream-audit.js';

class MemoryAuditLog extends AuditLog {
  readonly records: AuditRecord[] = [];
  record(record: AuditRecord): Promise<void> {
    this.records.push(record);
    return Promise.resolve();
  }
}

const operator: Principal = { kind: 'apiKey', userId: 'u1', username: 'olga', role: 'operator', apiKeyId: 'k1' };
const session: InteractiveSession = {
  kind: 'exec',
  principal: operator,
  host: 'local',
  container: { id: 'c1', name: 'db' },
  cmd: ['mysql', '-pS3cret'],
  tty: true,
  remoteAddress: '10.0.0.9',
};

describe('StreamAudit.interactive', () => {
  beforeAll(() => Logger.overrideLogger(false));

  const open = () => {
    const log = new MemoryAuditLog();
    const socket = new EventEmitter() as unknown as WebSocket;
    const outcome = new StreamAudit(log).interactive(socket, session);
    return { log, socket, outcome };
  };

  it('records the start at once: who, host, container, command, tty', () => {
    const { log } = open();
    expect(log.records).toEqual([
      {
        action: 'container.exec.start',
        actor: operator,
        targets: ['c1'],
        remoteAddress: '10.0.0.9',
        status: 101,
        details: { host: 'local', containerId: 'c1', containerName: 'db', cmd: ['mysql', '-pS3cret'], tty: true },
      },
    ]);
  });

  it.each([
    ['the process exited', (o: ReturnType<typeof open>['outcome']) => o.exited(3), 200, { ended: 'exited', exitCode: 3 }],
    [
      'the engine failed',
      (o: ReturnType<typeof open>['outcome']) => o.failed('the exec stream failed'),
      502,
      { ended: 'failed', exitCode: null, reason: 'the exec stream failed' },
    ],
    ['the client left', () => undefined, 499, { ended: 'closed', exitCode: null }],
    [
      'it exited, then something failed: the first word stands',
      (o: ReturnType<typeof open>['outcome']) => (o.exited(0), o.failed('late')),
      200,
      { ended: 'exited', exitCode: 0 },
    ],
  ])('records the end when the socket closes (%s)', (_case, tell, status, details) => {
    const { log, socket, outcome } = open();
    tell(outcome);
    expect(log.records).toHaveLength(1);
    (socket as unknown as EventEmitter).emit('close', 1000);
    (socket as unknown as EventEmitter).emit('close', 1000);
    expect(log.records).toHaveLength(2);
    const end = log.records[1];
    expect(end).toMatchObject({ action: 'container.exec.end', actor: operator, targets: ['c1'], status });
    expect(end.details).toEqual({ host: 'local', containerId: 'c1', containerName: 'db', closeCode: 1000, ...details });
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('logs who and the executable, never the arguments', () => {
    const lines: unknown[] = [];
    const keep = (message: unknown) => void lines.push(message);
    Logger.overrideLogger({ log: keep, error: keep, warn: keep });
    try {
      const { socket, outcome } = open();
      outcome.exited(0);
      (socket as unknown as EventEmitter).emit('close', 1000);
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'exec session started',
        username: 'olga',
        apiKeyId: 'k1',
        executable: 'mysql',
        container: { id: 'c1', name: 'db' },
      }),
      expect.objectContaining({ msg: 'exec session ended', exitCode: 0, ended: 'exited' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('S3cret');
  });
});
