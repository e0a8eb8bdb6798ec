import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecLimits, ExecResult, ExecSpec } from './engine.js';
import type { EngineCalls } from './engine-calls.js';
import { ExecOutput, ExecOutputDemuxer } from './exec-frames.js';
import { CappedOutput, MarkedStderr, OutputSink, killTreeCommand, killableCommand, shellMissing } from './exec-output.js';
import type { EngineExecOptions, EngineExecSession, EngineStreamTarget } from './engine-types.js';
import type { LogStreamName } from './log-lines.js';

/** After killing a timed-out exec, how long its output may take to drain. */
const EXEC_KILL_GRACE_MS = 2000;

/**
 * Runs a command to its end without a TTY and answers its exit code and output. Output beyond
 * `maxBytes` per stream is drained and dropped; past `timeoutMs` the command is killed.
 */
export async function execOnce(calls: EngineCalls, containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
  const deadline = Date.now() + limits.timeoutMs;
  const wrapped = await runExec(calls, containerId, { ...spec, cmd: killableCommand(spec.cmd) }, limits, deadline, true);
  if (!wrapped.shellMissing) return wrapped.result;
  // An image without `sh` (distroless, scratch): run the command as is, it just cannot be killed on timeout.
  return (await runExec(calls, containerId, spec, limits, deadline, false)).result;
}

async function runExec(
  calls: EngineCalls,
  containerId: string,
  spec: ExecSpec,
  limits: ExecLimits,
  deadline: number,
  killable: boolean,
): Promise<{ result: ExecResult; shellMissing: boolean }> {
  const exec = await calls.call('exec.create', (d) =>
    d.getContainer(containerId).exec({
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Cmd: spec.cmd,
      ...(spec.env?.length && { Env: spec.env }),
      ...(spec.workingDir && { WorkingDir: spec.workingDir }),
      ...(spec.user && { User: spec.user }),
    }),
  );
  const stream = await calls.call('exec.start', async () => calls.hold(await exec.start({ hijack: true, stdin: false })));
  const stdout = new CappedOutput(limits.maxBytes);
  const stderr = new CappedOutput(limits.maxBytes);
  const marked = killable ? new MarkedStderr(stderr) : undefined;
  const sinks: Record<LogStreamName, OutputSink> = { stdout, stderr: marked ?? stderr };
  const output = stream.pipe(new ExecOutputDemuxer(false));
  output.on('data', (piece: ExecOutput) => sinks[piece.stream].write(piece.data));
  // Ended once the demuxer has handed out the last piece, or the connection is gone.
  const ended = new Promise<void>((resolve) => {
    output.once('end', resolve);
    stream.once('close', () => setImmediate(resolve));
    stream.once('error', () => resolve());
  });

  const timer = new AbortController();
  const stopped = new Promise<boolean>((resolve) => {
    if (limits.signal?.aborted) resolve(true);
    limits.signal?.addEventListener('abort', () => resolve(true), { once: true, signal: timer.signal });
  });
  // Past its time, or stopped by its caller: either way the command is killed.
  const timedOut = await Promise.race([
    ended.then(() => false),
    sleep(Math.max(0, deadline - Date.now()), true, { signal: timer.signal }).catch(() => false),
    stopped,
  ]);
  timer.abort();
  if (timedOut) {
    if (marked?.pid) {
      await calls.call('exec.kill', (d) => execDetached(d, containerId, killTreeCommand(marked.pid!))).catch(() => undefined);
    }
    await Promise.race([ended, sleep(EXEC_KILL_GRACE_MS)]);
  }
  stream.destroy();
  marked?.end();
  const info = await calls.call('exec.inspect', () => exec.inspect());
  const exitCode = info.Running ? null : info.ExitCode;
  return {
    shellMissing: killable && shellMissing(exitCode, marked?.sawMarker ?? false, stdout.text()),
    result: {
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.truncated || stderr.truncated,
      timedOut,
    },
  };
}

/** Runs a helper command as root in the container and waits for it to end. */
async function execDetached(d: Docker, containerId: string, cmd: string[]): Promise<void> {
  const exec = await d.getContainer(containerId).exec({ Cmd: cmd, User: '0', AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.resume();
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/** Starts an interactive exec (stdin attached) and hands back its two directions. */
export async function openExec(calls: EngineCalls, target: EngineStreamTarget, options: EngineExecOptions): Promise<EngineExecSession> {
  const exec = await calls.call('exec.create', (d) =>
    d.getContainer(target.id).exec({
      Cmd: options.cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
      ...(options.user && { User: options.user }),
      ...(options.workingDir && { WorkingDir: options.workingDir }),
    }),
  );
  const socket = await calls.openStream<Duplex>('exec.start', async (_d, signal) =>
    calls.hold((await exec.start({ hijack: true, stdin: true, Tty: options.tty, abortSignal: signal })) as Duplex),
  );
  const output = pipeline(socket, new ExecOutputDemuxer(options.tty), () => undefined);
  return {
    input: socket,
    output,
    resize: async (width, height) => {
      await calls.call('exec.resize', () => exec.resize({ w: width, h: height }));
    },
    exitCode: async () => {
      // The engine may report the exec as running for a moment after its output ended.
      for (let attempt = 0; attempt < 20; attempt++) {
        const state = await calls.call('exec.inspect', () => exec.inspect());
        if (!state.Running) return typeof state.ExitCode === 'number' ? state.ExitCode : null;
        await sleep(50);
      }
      return null;
    },
    destroy: () => socket.destroy(),
  };
}
