// A whole bot's flow through clients/typescript (the generated REST client and the stream helpers),
// against the real engine: log in, make an API key, then with the key run, follow, exec, list, remove.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  type Berth,
  type ContainerSummaryDto,
  type JobEvent,
  type ListContainersResponse,
  StreamRefusedError,
  StreamRevokedError,
  buildImage,
  collectOutput,
  createApiKey,
  createBerth,
  createClient,
  createConfig,
  createContainer,
  listContainers,
  login,
  removeContainer,
  revokeApiKey,
} from '../clients/typescript/src/index.js';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';

const runId = newRunId();

/**
 * The containers of a list answer: the one place that knows the list's shape. When lists become
 * pages ({items, nextCursor, total}), this returns `list.items`.
 */
function containersOf(list: ListContainersResponse): ContainerSummaryDto[] {
  return list.items;
}

describe('the TypeScript client (clients/typescript) on the real engine', () => {
  let server: BerthProcess;
  /** A user session of the admin, logged in through the client. */
  let session: ReturnType<typeof createClient>;
  let key: { id: string; key: string };
  let berth: Berth;

  const host = 'local';
  const runContainer = async (cmd: string[]) => {
    const { data } = await createContainer({
      client: berth.client,
      path: { host },
      body: { image: TEST_IMAGE, name: uniqueName('client'), cmd, labels: testLabels(runId), start: true },
      throwOnError: true,
    });
    expect(data.started).toBe(true);
    return data.id;
  };

  beforeAll(async () => {
    server = await startBerth();
    const anonymous = createClient(createConfig({ baseUrl: server.url }));
    const { data: loggedIn } = await login({ client: anonymous, body: server.admin, throwOnError: true });
    session = createClient(createConfig({ baseUrl: server.url, auth: loggedIn.accessToken }));
    const { data: created } = await createApiKey({
      client: session,
      body: { name: 'client e2e bot', role: 'operator' },
      throwOnError: true,
    });
    expect(created.key).toMatch(/^berth_/);
    key = created;
    berth = createBerth({ baseUrl: server.url, token: key.key, WebSocket });
  });
  afterAll(async () => {
    await server?.stop();
    await removeTestResources(runId);
  });

  it('runs a container, follows its logs, execs in it, lists and removes it, all with the API key', async () => {
    const id = await runContainer(['sh', '-c', 'echo line 1; echo line 2; echo oops >&2; echo line 3; exec sleep 3600']);

    const logs = berth.logs({ container: id, timestamps: true });
    const seen: Array<{ stream: string; line: string; ts?: string }> = [];
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const next = await logs.next();
        if (next.done) throw new Error(`the log stream ended early after ${JSON.stringify(seen)}`);
        seen.push(next.value);
      }
    };
    await readUntil(() => seen.length >= 4);
    expect(seen.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(seen.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['oops']);
    expect(seen.every((l) => typeof l.ts === 'string' && !Number.isNaN(Date.parse(l.ts)))).toBe(true);

    // The exec reads stdin, writes to the main process's stdout (so the log follower sees a new line) and its own.
    const exec = await berth.exec({
      container: id,
      cmd: ['sh', '-c', 'read x; echo "$x" > /proc/1/fd/1; echo "got $x"; echo err >&2; exit 3'],
    });
    exec.write('later\n');
    expect(await collectOutput(exec)).toEqual({ stdout: 'got later\n', stderr: 'err\n', exitCode: 3 });
    await readUntil(() => seen.some((l) => l.line === 'later'));
    await logs.return();

    // With a TTY: the resize reaches it before the stdin that follows.
    const tty = await berth.exec({ container: id, cmd: ['sh'], tty: true });
    tty.resize({ width: 123, height: 45 });
    tty.write('stty size; exit 4\n');
    const shown = await collectOutput(tty);
    expect(shown.stdout).toMatch(/45 123/);
    expect(shown.exitCode).toBe(4);

    const listed = async () => {
      const { data } = await listContainers({
        client: berth.client,
        path: { host },
        query: { all: true, label: [`berth.test.run=${runId}`] },
        throwOnError: true,
      });
      return containersOf(data);
    };
    expect((await listed()).find((c) => c.id === id)).toMatchObject({ image: TEST_IMAGE, state: 'running', labels: testLabels(runId) });

    await removeContainer({ client: berth.client, path: { host, id }, query: { force: true }, throwOnError: true });
    expect((await listed()).map((c) => c.id)).not.toContain(id);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('answers a REST error as the typed problem', async () => {
    const { data, error, response } = await removeContainer({ client: berth.client, path: { host, id: 'berth-test-no-such-container' } });
    expect(data).toBeUndefined();
    expect(response?.status).toBe(404);
    expect(error).toMatchObject({ status: 404, code: 'CONTAINER_NOT_FOUND' });
  });

  it('opens streams with a one-time ticket, as browsers must', async () => {
    const id = await runContainer(['sh', '-c', 'echo from a ticket; exec sleep 3600']);
    const viaTicket = createBerth({ baseUrl: server.url, token: key.key, WebSocket, auth: 'ticket' });
    for await (const line of viaTicket.logs({ container: id })) {
      expect(line).toMatchObject({ stream: 'stdout', line: 'from a ticket' });
      break;
    }
  });

  it('throws a refused stream as StreamRefusedError with the status and the problem code', async () => {
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );
    const noContainer = await refused(berth.exec({ container: 'berth-test-no-such-container' }));
    expect(noContainer).toBeInstanceOf(StreamRefusedError);
    expect(noContainer).toMatchObject({ status: 404, problemCode: 'CONTAINER_NOT_FOUND' });

    const noJob = await refused(berth.jobEvents('00000000-0000-4000-8000-000000000000').next());
    expect(noJob).toMatchObject({ status: 404, problemCode: 'JOB_NOT_FOUND' });

    const badKey = createBerth({ baseUrl: server.url, token: 'berth_not-a-key', WebSocket });
    expect(await refused(badKey.events().next())).toMatchObject({ status: 401, problemCode: 'UNAUTHENTICATED' });
  });

  it('ends a stream whose API key is revoked with StreamRevokedError', async () => {
    const id = await runContainer(['sh', '-c', 'echo ready; exec sleep 3600']);
    const { data: doomed } = await createApiKey({
      client: session,
      body: { name: 'client e2e doomed', role: 'viewer' },
      throwOnError: true,
    });
    const logs = createBerth({ baseUrl: server.url, token: doomed.key, WebSocket }).logs({ container: id });
    expect((await logs.next()).value).toMatchObject({ line: 'ready' });
    await revokeApiKey({ client: session, path: { id: doomed.id }, throwOnError: true });
    await expect(logs.next()).rejects.toBeInstanceOf(StreamRevokedError);
  });

  it('follows a build job from its first event to its end', async () => {
    const { data: job } = await buildImage({
      client: berth.client,
      path: { host },
      // The marker is computed by the RUN: the step's own text ("RUN echo built-$((40+2))...") never matches it.
      body: {
        dockerfile: `FROM ${TEST_IMAGE}\nRUN echo built-$((40+2))-${runId}\n`,
        tags: [`berth-test/client-${runId}:built`],
        labels: testLabels(runId),
        noCache: true,
      },
      throwOnError: true,
    });
    const seen: JobEvent[] = [];
    for await (const event of berth.jobEvents(job.id)) seen.push(event);
    expect(seen.some((event) => event.type === 'output' && event.line?.includes(`built-42-${runId}`))).toBe(true);
    expect(seen.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
  });

  it('follows engine events and stats samples of a container', async () => {
    const events = berth.events();
    await events.opened; // events are sent from the moment the stream is open
    const id = await runContainer(['sleep', '3600']);
    for await (const event of events) {
      if (event.type === 'container' && event.action === 'start' && event.actor.id === id) break;
    }

    for await (const sample of berth.stats({ container: id })) {
      expect(sample).toMatchObject({ cpuPercent: expect.any(Number), pids: 1, memory: { usageBytes: expect.any(Number) } });
      break;
    }
  });
});
