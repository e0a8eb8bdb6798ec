import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import type { Principal } from '../common/principal.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineExecSession } from '../docker/engine-types.js';
import type { ChannelRuntime } from './channel-runtime.js';
import { closeReason } from './close-codes.js';
import { ExecStreamQueryDto } from './dto/stream-query.dto.js';
import { ExecContext, ExecSessions } from './exec-sessions.js';
import { FakeSocket, flush } from './terminal-testing.js';

describe('closeReason', () => {
  it('cuts a reason to the 123 bytes a close frame allows', () => {
    expect(closeReason('short')).toBe('short');
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBeLessThanOrEqual(123);
  });
});

/** The process's stdin: records what it is given, and says "full" when the test wants. */
class FakeInput extends EventEmitter {
  full = false;
  ended = false;
  constructor(private readonly log: string[]) {
    super();
  }
  write(data: Buffer) {
    this.log.push(`stdin ${JSON.stringify(data.toString('latin1'))}`);
    return !this.full;
  }
  end() {
    this.ended = true;
    this.log.push('stdin end');
  }
}

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };

function setup(options: Partial<ExecStreamQueryDto> = {}) {
  const log: string[] = [];
  const input = new FakeInput(log);
  const output = new PassThrough({ objectMode: true });
  const session = {
    input,
    output,
    resize: vi.fn(async (width: number, height: number) => void log.push(`resize ${width}x${height}`)),
    exitCode: vi.fn(async () => 3 as number | null),
    destroy: vi.fn(),
  };
  // The exec opens when the test says so.
  let open!: (session: EngineExecSession) => void;
  let refuse!: (error: { detail: string }) => void;
  const engine = {
    host: { id: 'local' },
    openExec: vi.fn(() => new Promise<EngineExecSession>((resolve, reject) => ((open = resolve), (refuse = reject)))),
  };
  const outcome = { exited: vi.fn(), failed: vi.fn() };
  const runtime = {
    config: { streamBufferBytes: 1024 },
    sessions: {
      admit: (socket: FakeSocket, _principal: Principal, _channel: string, teardown: () => void) => (socket.once('close', teardown), true),
      end: (socket: FakeSocket, code: number, reason: string) => socket.close(code, reason),
    },
    audit: { interactive: vi.fn(() => outcome) },
    engineStreamOpened: () => () => undefined,
  };
  const exec = new ExecSessions(runtime as unknown as ChannelRuntime, {} as ContainerPolicy);
  const query = Object.assign(new ExecStreamQueryDto(), { container: 'web', cmd: ['sh'], tty: false }, options);
  const context = {
    principal: operator,
    query,
    engine,
    target: { id: 'c1', name: 'web', tty: false, running: true },
  } as unknown as ExecContext;
  const socket = new FakeSocket();
  exec.attach(socket as unknown as WebSocket, context);
  return {
    socket,
    session,
    log,
    outcome,
    runtime,
    open: () => open(session as unknown as EngineExecSession),
    refuse: (detail: string) => refuse({ detail }),
  };
}

afterEach(() => vi.useRealTimers());

describe('ExecSessions', () => {
  it('holds the frames that arrive before the exec opens, then applies them in order (a waiting resize replaced by a later one)', async () => {
    const { socket, log, open, runtime } = setup({ tty: true });
    expect(runtime.audit.interactive).toHaveBeenCalledWith(socket, expect.objectContaining({ kind: 'exec', cmd: ['sh'], tty: true }));
    expect(socket.paused).toBe(true);
    socket.frame(4, '{"Width":80,"Height":24}');
    socket.frame(0, 'ls\n');
    socket.frame(4, '{"Width":120,"Height":40}');
    await flush();
    expect(log).toEqual([]);
    open();
    await flush();
    expect(log).toEqual(['resize 120x40', 'stdin "ls\\n"']);
    expect(socket.paused).toBe(false);
  });

  it('ignores unusable resizes, empty stdin and channels a client may not write', async () => {
    const { socket, log, open } = setup();
    open();
    await flush();
    for (const [channel, payload] of [
      [4, '{"Width":0}'],
      [0, ''],
      [1, 'out'],
      [3, '{}'],
      [9, 'x'],
    ] as const)
      socket.frame(channel, payload);
    await flush();
    expect(log).toEqual([]);
    expect(socket.closed).toBeUndefined();
  });

  it('stops reading the client while the process reads slower than it types, and resumes on drain', async () => {
    const { socket, session, open } = setup();
    open();
    await flush();
    session.input.full = true;
    socket.frame(0, 'a lot');
    await flush();
    expect(socket.paused).toBe(true);
    session.input.emit('drain');
    expect(socket.paused).toBe(false);
  });

  it('sends output on its channel, then the exit status, then closes with 1000', async () => {
    const { socket, session, open, outcome } = setup();
    open();
    await flush();
    session.output.write({ stream: 'stdout', data: Buffer.from('out') });
    session.output.write({ stream: 'stderr', data: Buffer.from('err') });
    session.output.end();
    await flush();
    expect(socket.frames.map((frame) => [frame[0], frame.subarray(1).toString()])).toEqual([
      [1, 'out'],
      [2, 'err'],
      [3, '{"exitCode":3}'],
    ]);
    expect(socket.closed).toEqual({ code: 1000, reason: 'process exited' });
    expect(outcome.exited).toHaveBeenCalledWith(3);
  });

  it('refuses a text frame with 1003', async () => {
    const { socket, open } = setup();
    open();
    await flush();
    socket.emit('message', Buffer.from('ls'), false);
    expect(socket.closed?.code).toBe(1003);
  });

  it('closes with 1011 and records the failure when the engine refuses the exec', async () => {
    const { socket, refuse, outcome } = setup();
    refuse('no such user: nobody2');
    await flush();
    expect(socket.closed).toEqual({ code: 1011, reason: 'no such user: nobody2' });
    expect(outcome.failed).toHaveBeenCalledWith('no such user: nobody2');
  });

  it('hangs up when the client goes: Ctrl-C and Ctrl-D to a TTY, stdin closed, the connection cut after the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { socket, session, log, open } = setup({ tty: true });
    open();
    await flush();
    socket.close(1001, 'bye');
    expect(log).toEqual(['stdin "\\u0003\\u0004"', 'stdin end']);
    expect(session.destroy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2000);
    expect(session.destroy).toHaveBeenCalledOnce();
  });

  it('hangs up an exec that opens after its client left, and sends it nothing the client had queued', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { socket, session, log, open } = setup();
    socket.frame(0, 'rm -rf /tmp/x\n');
    socket.close(1001, 'bye');
    open();
    await flush();
    // Without a TTY the end of input is closing stdin; the queued line never runs.
    expect(log).toEqual(['stdin end']);
    vi.advanceTimersByTime(2000);
    expect(session.destroy).toHaveBeenCalledOnce();
  });
});
