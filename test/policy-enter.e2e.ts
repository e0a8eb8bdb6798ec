import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, credentialFor, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api, expectProblem } from './support/http.js';
import { openWs, refusalOf, wsUrl } from './support/ws.js';

/**
 * Issue 8, findings 5, 6 and 9, run as the attacks they are: an operator enters (exec, WS exec,
 * commit), joins (pid, network, chains) or replaces the image of a container an admin made as a
 * policy exception. Each must now be 403 POLICY_DENIED naming the rule; ordinary containers not.
 */
const runId = newRunId();
const labels = testLabels(runId);
const base = '/api/v1/hosts/local/containers';
const EXCEPTION_BINDS = ['/:/host:ro', '/var/run/docker.sock:/var/run/docker.sock'];

describe('entering, joining and replacing the image of a policy exception', () => {
  let berth: BerthProcess;
  let operator: string;
  /** The admin's exception container: the host's / and the engine socket, running. */
  let exception: { id: string; name: string };

  beforeAll(async () => {
    berth = await startBerth();
    operator = await credentialFor(berth, 'operator');
    const created = await create(berth.token, { name: uniqueName('exception'), binds: EXCEPTION_BINDS, start: true });
    expect(created.status, created.text).toBe(201);
    exception = created.body;
  });
  afterAll(async () => {
    await berth?.stop();
    await removeTestResources(runId);
  });

  const create = (token: string, body: Record<string, unknown>) =>
    api(berth.url, base, { method: 'POST', token, body: { image: TEST_IMAGE, pull: 'never', labels, cmd: ['sleep', '300'], ...body } });
  const exec = (token: string, container: string, cmd: string[]) =>
    api(berth.url, `${base}/${container}/exec`, { method: 'POST', token, body: { cmd } });
  const commit = (token: string, container: string, body: Record<string, unknown>) =>
    api(berth.url, `${base}/${container}/commit`, { method: 'POST', token, body });
  const execIds = async (id: string) => (await docker.getContainer(id).inspect()).ExecIDs ?? [];
  const containersNamed = (name: string) => docker.listContainers({ all: true, filters: { name: [name] } });
  const imageId = (ref: string) =>
    docker
      .getImage(ref)
      .inspect()
      .then(
        (image) => image.Id,
        () => undefined,
      );
  const channelText = (frames: Array<string | Buffer>, channel: number) =>
    frames
      .filter((f): f is Buffer => Buffer.isBuffer(f) && f[0] === channel)
      .map((f) => f.subarray(1).toString())
      .join('');

  describe('finding 5: entering the exception container', () => {
    it('refuses an operator a REST exec (reading /host/etc/shadow) with 403 POLICY_DENIED naming the rules, and runs nothing', async () => {
      const before = await execIds(exception.id);
      for (const ref of [exception.id, exception.name, exception.id.slice(0, 12)]) {
        const response = await exec(operator, ref, ['cat', '/host/etc/shadow']);
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['docker-socket', 'berth-volume', 'bind-outside-allowed-roots']);
        expect(response.body.detail).toContain('docker-socket');
        expect(response.text).not.toContain('root:');
      }
      expect(await execIds(exception.id)).toEqual(before);
    });

    it('refuses an operator a WS exec (driving the socket) with 403 before the upgrade', async () => {
      const before = await execIds(exception.id);
      const url = wsUrl(berth.url, '/api/v1/ws/exec', { container: exception.name, cmd: ['sh', '-c', 'ls -l /var/run/docker.sock'] });
      const refusal = await refusalOf(url, { token: operator });
      expect(refusal.status).toBe(403);
      expect(refusal.contentType).toMatch(/^application\/problem\+json/);
      expect(refusal.body).toMatchObject({
        status: 403,
        code: 'POLICY_DENIED',
        rules: ['docker-socket', 'berth-volume', 'bind-outside-allowed-roots'],
      });
      expect(await execIds(exception.id)).toEqual(before);
    });

    it('refuses an operator a commit of it with 403 and makes no image', async () => {
      const repo = `berth-test/enter-${runId}`;
      const response = await commit(operator, exception.name, { repo, tag: 'stolen' });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual(['docker-socket', 'berth-volume', 'bind-outside-allowed-roots']);
      expect(await imageId(`${repo}:stolen`)).toBeUndefined();
    });

    it('refuses an operator a container made outside Berth with an added capability and a device cgroup rule', async () => {
      const outside = await docker.createContainer({
        Image: TEST_IMAGE,
        name: uniqueName('outside'),
        Cmd: ['sleep', '300'],
        Labels: labels,
        HostConfig: { CapAdd: ['SYS_PTRACE'], DeviceCgroupRules: ['b *:* rwm'] },
      });
      await outside.start();
      const response = await exec(operator, outside.id, ['true']);
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual(['cap-add', 'device-cgroup-rules']);
    });

    it('still lets an admin exec into it, over REST and WebSocket', async () => {
      const response = await exec(berth.token, exception.name, [
        'sh',
        '-c',
        'test -S /var/run/docker.sock && test -r /host/etc/shadow && echo reachable',
      ]);
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ exitCode: 0, stdout: 'reachable\n' });

      const socket = await openWs(
        wsUrl(berth.url, '/api/v1/ws/exec', { container: exception.id, cmd: ['sh', '-c', 'test -S /var/run/docker.sock && echo socket'] }),
        {
          token: berth.token,
        },
      );
      expect((await socket.closed).code).toBe(1000);
      expect(channelText(socket.frames, 1)).toBe('socket\n');
      expect(JSON.parse(channelText(socket.frames, 3))).toEqual({ exitCode: 0 });
    });
  });

  describe('finding 6: joining its namespaces', () => {
    it('refuses an operator pidMode container:<exception> (its bind through /proc/1/root) and creates nothing', async () => {
      const name = uniqueName('joiner');
      const response = await create(operator, { name, pidMode: `container:${exception.name}`, start: true });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual(['joins-privileged-container']);
      expect(response.body.detail).toContain('docker-socket');
      expect(await containersNamed(name)).toEqual([]);
    });

    it.each<[string, Record<string, unknown> | undefined, string]>([
      ['the exception container', undefined, 'docker-socket'],
      ['a host-PID container', { pidMode: 'host' }, 'host-pid'],
    ])('refuses an operator joining A, where A joined %s (a chain)', async (_name, endBody, innermost) => {
      // The end of the chain: the exception itself, or an admin's host-PID container (created, never started: the policy only reads it).
      let end = exception.name;
      if (endBody) {
        const target = await create(berth.token, { name: uniqueName('hostpid'), ...endBody });
        expect(target.status, target.text).toBe(201);
        end = target.body.name;
      }
      const a = await create(berth.token, { name: uniqueName('chain-a'), pidMode: `container:${end}` });
      expect(a.status, a.text).toBe(201);

      for (const mode of ['pidMode', 'ipcMode', 'network']) {
        const name = uniqueName('chain-c');
        const response = await create(operator, { name, [mode]: `container:${a.body.name}` });
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['joins-privileged-container']);
        expect(response.body.detail).toContain(innermost);
        expect(await containersNamed(name)).toEqual([]);
      }
      // Entering A is entering what it joined.
      expectProblem(await exec(operator, a.body.id, ['true']), 403, 'POLICY_DENIED');
    });

    it('refuses an operator the host network by id prefix or full id (host-network)', async () => {
      const [hostNetwork] = await docker.listNetworks({ filters: { driver: ['host'] } });
      for (const network of [hostNetwork.Id.slice(0, 12), hostNetwork.Id.slice(0, 6), hostNetwork.Id]) {
        const name = uniqueName('hostnet');
        const response = await create(operator, { name, network });
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['host-network']);
        expect(await containersNamed(name)).toEqual([]);
      }
    });

    it('refuses an operator joining a container made outside Berth on the host network by id', async () => {
      const [hostNetwork] = await docker.listNetworks({ filters: { driver: ['host'] } });
      const edge = await docker.createContainer({
        Image: TEST_IMAGE,
        name: uniqueName('edge'),
        Cmd: ['sleep', '300'],
        Labels: labels,
        HostConfig: { NetworkMode: hostNetwork.Id.slice(0, 12) },
      });
      const response = await create(operator, { name: uniqueName('joiner'), network: `container:${edge.id}` });
      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body.rules).toEqual(['joins-privileged-container']);
      expect(response.body.detail).toContain('host-network');
    });
  });

  describe('an ordinary container', () => {
    it('an operator may still exec into, commit, WS exec into and join', async () => {
      const plain = await create(operator, { name: uniqueName('plain'), env: ['APP_MODE=prod'], start: true });
      expect(plain.status, plain.text).toBe(201);

      const ran = await exec(operator, plain.body.name, ['echo', 'hello']);
      expect(ran.status, ran.text).toBe(200);
      expect(ran.body.stdout).toBe('hello\n');

      const socket = await openWs(wsUrl(berth.url, '/api/v1/ws/exec', { container: plain.body.id, cmd: ['echo', 'ws'] }), {
        token: operator,
      });
      expect((await socket.closed).code).toBe(1000);
      expect(channelText(socket.frames, 1)).toBe('ws\n');

      const committed = await commit(operator, plain.body.id, { repo: `berth-test/enter-${runId}`, tag: 'plain' });
      expect(committed.status, committed.text).toBe(201);
      expect(committed.body.carriedEnvKeys).toContain('APP_MODE');

      const joiner = await create(operator, {
        name: uniqueName('joiner'),
        pidMode: `container:${plain.body.name}`,
        network: `container:${plain.body.name}`,
        start: true,
      });
      expect(joiner.status, joiner.text).toBe(201);
    });
  });

  describe('finding 9: replacing the image an exception runs', () => {
    const repo = `berth-test/enter-${runId}`;
    const tag = 'admin-app';

    it('refuses an operator a commit over a tag a policy-exception container runs, and the tag stays', async () => {
      // The admin's image, made from an ordinary container, then run as an exception (created: the policy reads its config).
      const source = await create(berth.token, { name: uniqueName('source') });
      expect(source.status, source.text).toBe(201);
      const made = await commit(berth.token, source.body.id, { repo, tag });
      expect(made.status, made.text).toBe(201);
      const app = await create(berth.token, { name: uniqueName('admin-app'), image: `${repo}:${tag}`, binds: EXCEPTION_BINDS });
      expect(app.status, app.text).toBe(201);

      const own = await create(operator, { name: uniqueName('own'), start: true });
      expect(own.status, own.text).toBe(201);
      for (const target of [`${repo}:${tag}`, `docker.io/${repo}:${tag}`]) {
        const slash = target.lastIndexOf(':');
        const response = await commit(operator, own.body.id, {
          repo: target.slice(0, slash),
          tag: target.slice(slash + 1),
          changes: ['CMD ["sh", "-c", "cat /host/etc/shadow"]'],
        });
        expectProblem(response, 403, 'POLICY_DENIED');
        expect(response.body.rules).toEqual(['docker-socket', 'berth-volume', 'bind-outside-allowed-roots']);
        expect(response.body.containers).toEqual([app.body.id]);
        expect(response.body.detail).toContain(app.body.name);
      }
      expect(await imageId(`${repo}:${tag}`)).toBe(made.body.id);

      // The admin may.
      const admin = await commit(berth.token, own.body.id, { repo, tag });
      expect(admin.status, admin.text).toBe(201);
      expect(await imageId(`${repo}:${tag}`)).toBe(admin.body.id);
    });

    it('answers the env keys a commit carried, never the values', async () => {
      const secret = `s3cret-${runId}`;
      const own = await create(operator, { name: uniqueName('secrets'), env: [`DB_PASSWORD=${secret}`, 'APP_MODE=prod'] });
      expect(own.status, own.text).toBe(201);
      const response = await commit(operator, own.body.id, { repo, tag: 'with-env' });
      expect(response.status, response.text).toBe(201);
      expect(response.body.carriedEnvKeys).toEqual(expect.arrayContaining(['DB_PASSWORD', 'APP_MODE', 'PATH']));
      expect(response.text).not.toContain(secret);
      const image = await docker.getImage(response.body.id).inspect();
      expect(image.Config.Env).toContain(`DB_PASSWORD=${secret}`);
    });
  });
});
