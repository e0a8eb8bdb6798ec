import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { until } from './support/until.js';

/**
 * Round five: an attacker's pass over the whole service (twelfth session). Each test is the attack
 * and asserts that it now fails.
 */

interface RawAnswer {
  /** The status line and what followed, as the server sent them. */
  text: string;
  /**
   * Whether the server let go of the connection within the wait, the client keeping its side open: after the
   * server's FIN the client writes on, which a closed socket answers with a reset (a half-open one takes it).
   */
  closedByServer: boolean;
}

/** Sends raw request bytes and never closes its own side (a half-open client), as an attacker's would. */
function rawRequest(port: number, request: string, waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    let probe: NodeJS.Timeout | undefined;
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(request));
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      clearInterval(probe);
      socket.destroy();
      resolve({ text, closedByServer });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
    socket.on('end', () => {
      probe = setInterval(() => socket.write('x'), 100);
    });
  });
}

const upgrade = (path: string, host = '127.0.0.1') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

const runId = newRunId();
const labels = testLabels(runId);
const containers = '/api/v1/hosts/local/containers';

describe('attacks, round five', () => {
  let berth: BerthProcess;
  let port: number;
  let operator: string;

  beforeAll(async () => {
    berth = await startBerth();
    port = Number(new URL(berth.url).port);
    operator = await credentialFor(berth, 'operator');
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
    // Named volumes the engine made for binds carry no labels.
    for (const name of ['agent', 'own'])
      await docker
        .getVolume(`berth-test-r5-${runId}-${name}`)
        .remove()
        .catch(() => undefined);
    await docker
      .getImage(`berth-test/r5-${runId}:agent`)
      .remove()
      .catch(() => undefined);
  });

  it.each([
    ['a URL that does not parse', upgrade('//%'), 400],
    ['a Host header that does not parse, on a channel', upgrade('/api/v1/ws/logs?container=x', '['), 400],
    ['a path no channel serves', upgrade('/api/v1/ws/nothing'), 404],
  ])('an unauthenticated upgrade with %s is answered and its socket closed, without an uncaught error', async (_what, request, status) => {
    const before = berth.output();
    const answers = await Promise.all(Array.from({ length: 5 }, () => rawRequest(port, request)));
    for (const answer of answers) {
      expect(answer.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer.text).toContain('application/problem+json');
      expect(answer.closedByServer).toBe(true);
    }
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    expect(berth.output().slice(before.length)).not.toMatch(/uncaught|unhandled/i);
  });

  it("an operator may not start or restart an admin's exception (a bind of the host's /etc): 403, and it does not run", async () => {
    const name = uniqueName('r5-exception');
    const made = await api(berth.url, containers, {
      method: 'POST',
      token: berth.token,
      body: { image: TEST_IMAGE, name, labels, binds: ['/etc:/host-etc:ro'], cmd: ['sleep', '300'] },
    });
    expect(made.status, made.text).toBe(201);
    for (const action of ['start', 'restart']) {
      const refused = await api(berth.url, `${containers}/${name}/${action}`, { method: 'POST', token: operator });
      expectProblem(refused, 403, 'POLICY_DENIED');
      expect(refused.body.rules).toContain('bind-outside-allowed-roots');
    }
    expect((await docker.getContainer(made.body.id).inspect()).State.Running).toBe(false);
    // An operator's own container starts as before.
    const own = await api(berth.url, containers, {
      method: 'POST',
      token: operator,
      body: { image: TEST_IMAGE, labels, cmd: ['sleep', '300'] },
    });
    expect(own.status, own.text).toBe(201);
    expect((await api(berth.url, `${containers}/${own.body.id}/start`, { method: 'POST', token: operator })).status).toBe(204);
    expect((await api(berth.url, `${containers}/${own.body.id}/restart?timeout=0`, { method: 'POST', token: operator })).status).toBe(204);
  });

  it('unauthenticated POSTs with 15 kB paths leave no audit rows; a failed login still does', async () => {
    const since = new Date().toISOString();
    const long = 'a'.repeat(15_000);
    for (let i = 0; i < 20; i++) {
      expect((await api(berth.url, `/api/v1/hosts/${long}/containers`, { method: 'POST', body: {} })).status).toBe(401);
    }
    const login = await api(berth.url, '/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'r5-nobody', password: 'wrong-password' },
    });
    expect(login.status).toBe(401);
    const query = (q: string) => api(berth.url, `/api/v1/audit?from=${encodeURIComponent(since)}&${q}`, { token: berth.token });
    const flood = await query(`action=${encodeURIComponent('POST /api/v1/hosts/:host/containers')}`);
    expect(flood.status).toBe(200);
    expect(flood.body.items.filter((e: { status: number }) => e.status === 401)).toEqual([]);
    const logins = await query(`action=${encodeURIComponent('POST /api/v1/auth/login')}`);
    expect(logins.body.items.some((e: { status: number }) => e.status === 401)).toBe(true);
  });

  it('unauthenticated logouts with unknown tokens and malformed logins leave no audit rows; a logout that ends a login does', async () => {
    const since = new Date().toISOString();
    for (let i = 0; i < 20; i++) {
      const logout = await api(berth.url, '/api/v1/auth/logout', { method: 'POST', body: { refreshToken: `berth_rt_unknown-${i}` } });
      expect(logout.status).toBe(204);
      expect((await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: { username: 5 } })).status).toBe(400);
    }
    const login = await api(berth.url, '/api/v1/auth/login', { method: 'POST', body: berth.admin });
    expect(login.status, login.text).toBe(200);
    const ended = await api(berth.url, '/api/v1/auth/logout', { method: 'POST', body: { refreshToken: login.body.refreshToken } });
    expect(ended.status).toBe(204);
    const query = (action: string) =>
      api(berth.url, `/api/v1/audit?from=${encodeURIComponent(since)}&action=${encodeURIComponent(action)}`, { token: berth.token });
    // Rows are written once each answer is out: wait for the last one, then no other may be there.
    const logouts = await until(async () => {
      const page = await query('POST /api/v1/auth/logout');
      return page.status === 200 && page.body.items.length > 0 && page;
    }, 'the audit row of the logout that ended a login');
    expect(logouts.body.items.map((e: { status: number }) => e.status)).toEqual([204]);
    const logins = await query('POST /api/v1/auth/login');
    expect(logins.body.items.map((e: { status: number }) => e.status)).toEqual([200]);
  });

  describe("an admin's exception with a volume and a tag of its own", () => {
    const tag = `berth-test/r5-${runId}:agent`;
    const volume = `berth-test-r5-${runId}-agent`;
    let agent: string;

    beforeAll(async () => {
      await docker.getImage(TEST_IMAGE).tag({ repo: tag.split(':')[0], tag: 'agent' });
      const made = await api(berth.url, containers, {
        method: 'POST',
        token: berth.token,
        body: {
          image: tag,
          name: uniqueName('r5-agent'),
          labels,
          binds: [`${volume}:/config`, '/etc:/host-etc:ro'],
          cmd: ['sleep', '300'],
        },
      });
      expect(made.status, made.text).toBe(201);
      agent = made.body.id;
    });

    it('an operator may not mount its volume (exception-mount), nor signal or unpause it; stopping it is theirs', async () => {
      const mounting = await api(berth.url, containers, {
        method: 'POST',
        token: operator,
        body: { image: TEST_IMAGE, labels, binds: [`${volume}:/c`], cmd: ['true'] },
      });
      expectProblem(mounting, 403, 'POLICY_DENIED');
      expect(mounting.body.rules).toEqual(['exception-mount']);
      expectProblem(
        await api(berth.url, `${containers}/${agent}/kill?signal=TERM`, { method: 'POST', token: operator }),
        403,
        'POLICY_DENIED',
      );
      expectProblem(await api(berth.url, `${containers}/${agent}/unpause`, { method: 'POST', token: operator }), 403, 'POLICY_DENIED');
      expect((await api(berth.url, `${containers}/${agent}/stop`, { method: 'POST', token: operator })).status).toBe(204);
      // Another volume is the operator's as before.
      const own = await api(berth.url, containers, {
        method: 'POST',
        token: operator,
        body: { image: TEST_IMAGE, labels, binds: [`berth-test-r5-${runId}-own:/o`], cmd: ['true'] },
      });
      expect(own.status, own.text).toBe(201);
    });

    it('an operator may not untag the tag it runs (a build would pull it anew), by the tag or by the image id; an admin may', async () => {
      const images = '/api/v1/hosts/local/images';
      const byTag = await api(berth.url, `${images}/${encodeURIComponent(tag)}`, { method: 'DELETE', token: operator });
      expectProblem(byTag, 403, 'POLICY_DENIED');
      const { Id } = await docker.getImage(tag).inspect();
      expectProblem(
        await api(berth.url, `${images}/${encodeURIComponent(Id)}?force=true`, { method: 'DELETE', token: operator }),
        403,
        'POLICY_DENIED',
      );
      expect((await docker.getImage(tag).inspect()).Id).toBe(Id);
      const removed = await api(berth.url, `${images}/${encodeURIComponent(tag)}`, { method: 'DELETE', token: berth.token });
      expect(removed.status, removed.text).toBe(200);
      expect(removed.body.untagged).toEqual([tag]);
    });
  });

  it("an operator imports the engine's own `docker save` tar (read strictly, it passes); a body that is no tar is 400", async () => {
    const ref = `berth-test/r5-${runId}-save:1`;
    await docker.getImage(TEST_IMAGE).tag({ repo: ref.split(':')[0], tag: '1' });
    const chunks: Buffer[] = [];
    for await (const chunk of await docker.getImage(ref).get()) chunks.push(chunk as Buffer);
    await docker.getImage(ref).remove();
    const load = (body: Buffer) =>
      fetch(`${berth.url}/api/v1/hosts/local/images/import?wait=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/x-tar' },
        body,
      });
    const loaded = await load(Buffer.concat(chunks));
    const job = await loaded.json();
    expect(loaded.status, JSON.stringify(job)).toBe(200);
    expect(job).toMatchObject({ status: 'succeeded', result: { loaded: [ref] } });
    await docker.getImage(ref).remove();
    const garbage = await load(Buffer.alloc(4096, 'x'));
    expect(garbage.status).toBe(400);
  });

  it("an operator's build may not ADD a URL: dockerd would fetch it from the host's own network", async () => {
    const built = await api(berth.url, '/api/v1/hosts/local/images/build', {
      method: 'POST',
      token: operator,
      body: { dockerfile: `FROM ${TEST_IMAGE}\nADD "http://127.0.0.1:${port}/healthz" /h\n`, tags: [`berth-test/r5-${runId}-add:1`] },
    });
    expectProblem(built, 403, 'POLICY_DENIED');
  });

  it("an operator may not exec into a container made outside Berth with an anonymous volume whose driver options bind the host's /", async () => {
    // `docker create --mount type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/`
    const made = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      Labels: labels,
      HostConfig: {
        Mounts: [
          {
            Type: 'volume',
            Target: '/h',
            VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } },
          } as never,
        ],
      },
    });
    const exec = await api(berth.url, `${containers}/${made.id}/exec`, {
      method: 'POST',
      token: operator,
      body: { cmd: ['cat', '/h/etc/hostname'] },
    });
    expectProblem(exec, 403, 'POLICY_DENIED');
    expect(exec.body.rules).toContain('volume-driver-options');
    const volume = (await docker.getContainer(made.id).inspect()).Mounts.find((mount) => mount.Destination === '/h')?.Name;
    await docker.getContainer(made.id).remove({ force: true });
    if (volume)
      await docker
        .getVolume(volume)
        .remove()
        .catch(() => undefined);
  });
});
