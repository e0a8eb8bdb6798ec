import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { ProblemException } from '../common/problem.js';
import type { Principal } from '../common/principal.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineAttachSession } from '../docker/engine-types.js';
import { AttachContext, AttachSessions, attachChannel } from './attach-sessions.js';
import type { ChannelRuntime } from './channel-runtime.js';
import { AttachStreamQueryDto } from './dto/stream-query.dto.js';
import { FakeSocket, flush } from './terminal-testing.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };
const sent = (socket: FakeSocket) => socket.frames.map((frame) => [frame[0], frame.subarray(1).toString()]);

function setup(options: { openStdin?: boolean; query?: Partial<AttachStreamQueryDto>; after?: () => Promise<unknown> } = {}) {
  const log: string[] = [];
  const input = Object.assign(new EventEmitter(), {
    write: (data: Buffer) => (log.push(`stdin ${JSON.stringify(data.toString('latin1'))}`), true),
    end: () => log.push('stdin end'),
  });
  const output = new PassThrough({ objectMode: true });
  const session = {
    input,
    output,
    resize: vi.fn(async (width: number, height: number) => void log.push(`resize ${width}x${height}`)),
    destroy: vi.fn(),
  };
  let open!: (session: EngineAttachSession) => void;
  let refuse!: (error: { detail: string }) => void;
  const engine = {
    host: { id: 'local' },
    openAttach: vi.fn(() => new Promise<EngineAttachSession>((resolve, reject) => ((open = resolve), (refuse = reject)))),
    // What the container is once the engine ended the stream.
    inspectContainer: vi.fn(options.after ?? (async () => ({ State: { Running: false, ExitCode: 3 } }))),
  };
  const outcome = { exited: vi.fn(), failed: vi.fn(), detached: vi.fn() };
  const runtime = {
    config: { streamBufferBytes: 1024 },
    sessions: {
      admit: (socket: FakeSocket, _principal: Principal, _channel: string, teardown: () => void) => (socket.once('close', teardown), true),
      end: (socket: FakeSocket, code: number, reason: string) => socket.close(code, reason),
    },
    audit: { interactive: vi.fn(() => outcome) },
    engineStreamOpened: () => () => undefined,
  };
  const policy = { authorizeEntry: vi.fn(async () => ({})) };
  const attach = new AttachSessions(runtime as unknown as ChannelRuntime, policy as unknown as ContainerPolicy);
  const query = Object.assign(new AttachStreamQueryDto(), { container: 'web' }, options.query);
  const context = {
    principal: operator,
    query,
    engine,
    target: { id: 'c1', name: 'web', tty: true, running: true, openStdin: options.openStdin ?? true },
  } as unknown as AttachContext;
  const socket = new FakeSocket();
  attach.attach(socket as unknown as WebSocket, context);
  return {
    attach,
    context,
    policy,
    engine,
    socket,
    session,
    log,
    outcome,
    runtime,
    open: () => open(session as unknown as EngineAttachSession),
    refuse: (detail: string) => refuse({ detail }),
  };
}

describe('AttachSessions', () => {
  it('judges the container by its full id with the entry policy before the upgrade', async () => {
    const { attach, context, policy } = setup();
    await attach.check(context);
    expect(policy.authorizeEntry).toHaveBeenCalledWith(context.engine, 'c1', operator, 'attach');
  });

  it('asks the engine for the query, holds the frames that come first, then applies them in order', async () => {
    const { socket, log, open, engine, runtime } = setup({ query: { logs: true, detachKeys: 'ctrl-a,x' } });
    expect(runtime.audit.interactive).toHaveBeenCalledWith(socket, expect.objectContaining({ kind: 'attach', tty: true }));
    expect(engine.openAttach).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }), {
      logs: true,
      stream: true,
      stdin: true,
      detachKeys: 'ctrl-a,x',
    });
    socket.frame(0, 'ls\n');
    socket.frame(4, '{"Width":100,"Height":33}');
    await flush();
    expect(log).toEqual([]);
    open();
    await flush();
    expect(log).toEqual(['stdin "ls\\n"', 'resize 100x33']);
    expect(socket.paused).toBe(false);
  });

  it('says {readOnly: true} first for a container without open stdin, and drops what the client types', async () => {
    const { socket, log, open, engine } = setup({ openStdin: false });
    expect(sent(socket)).toEqual([[3, '{"readOnly":true}']]);
    expect(engine.openAttach).toHaveBeenCalledWith(expect.anything(), expect.objectContaining({ stdin: false }));
    open();
    await flush();
    socket.frame(0, 'rm -rf /\n');
    socket.frame(4, '{"Width":100,"Height":33}');
    await flush();
    expect(log).toEqual(['resize 100x33']);
  });

  it.each([
    ['the process exited', async () => ({ State: { Running: false, ExitCode: 3 } }), '{"exitCode":3}', 'process exited', 'exited'],
    [
      'the detach keys left it running',
      async () => ({ State: { Running: true, ExitCode: 0 } }),
      '{"detached":true}',
      'detached',
      'detached',
    ],
    [
      'the container is gone (autoRemove)',
      async () => Promise.reject(new ProblemException(404, 'CONTAINER_NOT_FOUND', 'gone')),
      '{"exitCode":null}',
      'process exited',
      'exited',
    ],
  ] as const)('once the engine ends the stream and %s: output, then the status, then 1000', async (_what, after, status, reason, ended) => {
    const { socket, session, open, outcome } = setup({ after });
    open();
    await flush();
    session.output.write({ stream: 'stdout', data: Buffer.from('out') });
    session.output.end();
    await flush();
    expect(sent(socket)).toEqual([
      [1, 'out'],
      [3, status],
    ]);
    expect(socket.closed).toEqual({ code: 1000, reason });
    expect(outcome[ended]).toHaveBeenCalledOnce();
  });

  it('closes with 1011 when the container state cannot be read', async () => {
    const { socket, session, open, outcome } = setup({
      after: async () => Promise.reject(new ProblemException(503, 'ENGINE_UNAVAILABLE', 'down')),
    });
    open();
    await flush();
    session.output.end();
    await flush();
    expect(socket.closed?.code).toBe(1011);
    expect(outcome.failed).toHaveBeenCalled();
  });

  it('leaves the process running when the client goes: the connection is cut, no Ctrl-C, stdin not closed', async () => {
    const { socket, session, log, open } = setup();
    open();
    await flush();
    socket.close(1001, 'bye');
    expect(session.destroy).toHaveBeenCalledOnce();
    expect(log).toEqual([]);
  });

  it('drops an attach that opens after its client left, and what the client had queued', async () => {
    const { socket, session, log, open } = setup();
    socket.frame(0, 'exit\n');
    socket.close(1001, 'bye');
    open();
    await flush();
    expect(session.destroy).toHaveBeenCalled();
    expect(log).toEqual([]);
  });

  it('closes with 1011 and records the failure when the engine refuses the attach', async () => {
    const { socket, refuse, outcome } = setup();
    refuse('You cannot attach to a paused container');
    await flush();
    expect(socket.closed).toEqual({ code: 1011, reason: 'You cannot attach to a paused container' });
    expect(outcome.failed).toHaveBeenCalledWith('You cannot attach to a paused container');
  });
});

describe('attachChannel.validate', () => {
  it.each([
    [{ stream: true, logs: false }, true],
    [{ stream: false, logs: true }, true],
    [{ stream: false, logs: false }, false],
  ])('%j → valid: %s', (fields, valid) => {
    const check = () => attachChannel.validate!(Object.assign(new AttachStreamQueryDto(), { container: 'web' }, fields));
    if (valid) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
