import { plainToInstance } from 'class-transformer';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import type { ProblemCode } from '../common/problem-codes.js';
import { AppConfig } from '../config/app-config.js';
import type { ContainerListQuery } from '../docker/engine.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { RegistryAuthProvider } from '../docker/registry-auth.js';
import type { BerthOnEngine } from './berth-container.js';
import { ContainerPolicy } from './container-policy.js';
import { ContainersService, POLICY_EXCEPTION_ACTION, START_POLICY_EXCEPTION_ACTION } from './containers.service.js';
import { ContainerCreateDto } from './dto/container-create.dto.js';
import { FakeHostPaths, fakeBerthContainer } from './host-paths.testing.js';
import { MountFacts } from './mount-facts.js';
import { TestAuthenticator } from '../auth/authenticator-testing.js';

const operator: Principal = { kind: 'user', userId: 'u2', username: 'ops', role: 'operator' };
const admin: Principal = { kind: 'user', userId: 'u1', username: 'root', role: 'admin' };
const problem = (status: number, code: ProblemCode) => new ProblemException(status, code, code);

/** A fake engine: unit tests check the service's decisions, the e2e suite checks the engine. */
function engineFake() {
  return fakeEngine({
    createContainer: vi.fn(async () => ({ id: 'c1', warnings: [] as string[] })),
    inspectContainer: vi.fn(
      async (
        _ref: string,
      ): Promise<{
        Id: string;
        Name: string;
        Image?: string;
        Config?: { Image: string; Env: string[] };
        HostConfig?: Record<string, unknown>;
        Mounts?: Array<{ Type: string; Source: string }>;
      }> => ({
        Id: 'c1-full-id',
        Name: '/generated_name',
        Image: 'sha256:base',
        Config: { Image: 'busybox', Env: ['PATH=/bin', 'DB_PASSWORD=s3cret', 'EMPTY='] },
        HostConfig: {},
        Mounts: [],
      }),
    ),
    commitContainer: vi.fn(async () => ({ id: 'sha256:new' })),
    execOnce: vi.fn(async (_id: string, _spec: unknown, _limits: { signal?: AbortSignal }) => ({
      exitCode: 0 as number | null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
    })),
    inspectImage: vi.fn(async (): Promise<{ Id: string }> => {
      throw problem(404, 'IMAGE_NOT_FOUND');
    }),
    inspectVolume: vi.fn(async (): Promise<{ Driver: string; Options: Record<string, string> | null } | undefined> => undefined),
    restartContainer: vi.fn(async () => undefined),
    startContainer: vi.fn(async () => undefined),
    removeContainer: vi.fn(async () => undefined),
    pullImage: vi.fn(async () => undefined),
    killContainer: vi.fn(async () => undefined),
    pauseContainer: vi.fn(async () => undefined),
    listContainers: vi.fn(async () => []),
  });
}

describe('ContainersService', () => {
  let engine: ReturnType<typeof engineFake>;
  let records: AuditRecord[];
  let service: ContainersService;
  let paths: FakeHostPaths;
  let berth: BerthOnEngine;
  let authenticator: TestAuthenticator;
  const auth = { authFor: vi.fn(async () => ({ username: 'u', password: 'p', serveraddress: 'localhost:5001' })) };
  const create = (body: Record<string, unknown>, principal?: Principal) =>
    service.create('local', plainToInstance(ContainerCreateDto, { image: 'busybox', ...body }), principal);

  beforeEach(() => {
    engine = engineFake();
    records = [];
    const hosts = fakeHosts(engine);
    const audit = { record: async (record: AuditRecord) => void records.push(record) } as AuditLog;
    paths = new FakeHostPaths();
    berth = { inContainer: false, volumes: ['berth_berth-data'] };
    const config = new AppConfig({ allowedBindRoots: ['/srv/data'] });
    const mountFacts = new MountFacts(config, paths, fakeBerthContainer(berth));
    authenticator = new TestAuthenticator();
    service = new ContainersService(
      hosts,
      config,
      audit,
      auth as unknown as RegistryAuthProvider,
      new ContainerPolicy(config, mountFacts),
      authenticator,
    );
  });

  describe('create policy', () => {
    it('denies an operator with 403 POLICY_DENIED naming the rules, before the engine hears of it', async () => {
      const denied = await create({ privileged: true, binds: ['/etc:/host-etc'] }, operator).catch((e: ProblemException) => e);
      expect(denied).toBeInstanceOf(ProblemException);
      expect((denied as ProblemException).getStatus()).toBe(403);
      expect((denied as ProblemException).code).toBe('POLICY_DENIED');
      expect((denied as ProblemException).problem.extensions?.rules).toEqual(['privileged', 'bind-outside-allowed-roots']);
      expect(engine.createContainer).not.toHaveBeenCalled();
      expect(records).toEqual([]);
    });

    it('treats a caller without a principal as a non-admin', async () => {
      await expect(create({ pidMode: 'host' })).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    });

    it('lets an operator bind under an allowed root', async () => {
      await expect(create({ binds: ['/srv/data/app:/app'] }, operator)).resolves.toMatchObject({ id: 'c1' });
    });

    it('lets an admin through and audits the exception with the rules and the container', async () => {
      const created = await create({ privileged: true, capAdd: ['SYS_ADMIN'] }, admin);
      expect(created).toEqual({ id: 'c1', name: 'generated_name', warnings: [], started: false });
      expect(records).toEqual([
        expect.objectContaining({
          action: POLICY_EXCEPTION_ACTION,
          actor: admin,
          targets: ['c1'],
          status: 201,
          details: expect.objectContaining({ rules: ['privileged', 'cap-add'] }),
        }),
      ]);
    });

    it('audits an admin exception whose create then fails, with the failure status', async () => {
      engine.createContainer.mockRejectedValueOnce(problem(409, 'NAME_CONFLICT'));
      await expect(create({ privileged: true, name: 'taken', pull: 'never' }, admin)).rejects.toMatchObject({ code: 'NAME_CONFLICT' });
      expect(records).toEqual([expect.objectContaining({ status: 409, targets: [] })]);
    });

    const bindVolume = () =>
      engine.inspectVolume.mockResolvedValue({ Driver: 'local', Options: { type: 'none', o: 'bind', device: '/outside' } });
    it.each<[string, Record<string, unknown>, () => void, string]>([
      ['a bind-driver volume in binds', { binds: ['vol:/a'] }, bindVolume, 'volume-driver-options'],
      [
        'a bind-driver volume in mounts',
        { mounts: [{ type: 'volume', source: 'vol', target: '/a' }] },
        bindVolume,
        'volume-driver-options',
      ],
      [
        "Berth's own data volume",
        { binds: ['berth_berth-data:/d'] },
        () => engine.inspectVolume.mockResolvedValue({ Driver: 'local', Options: null }),
        'berth-volume',
      ],
      [
        'a bind source under a symlink',
        { binds: ['/srv/data/esc/x:/x'] },
        () => paths.kinds.set('/srv/data/esc', 'symlink'),
        'bind-symlink',
      ],
      [
        'a bind source that does not exist',
        { binds: ['/srv/data/new:/x'] },
        () => paths.kinds.set('/srv/data/new', 'missing'),
        'bind-source-missing',
      ],
      ['a bind while Berth cannot see the host', { binds: ['/srv/data/app:/x'] }, () => (paths.visible = false), 'bind-unverifiable'],
    ])('denies an operator %s, having read the engine and the host first', async (_name, body, arrange, rule) => {
      arrange();
      await expect(create(body, operator)).rejects.toMatchObject({ code: 'POLICY_DENIED', problem: { extensions: { rules: [rule] } } });
      expect(engine.createContainer).not.toHaveBeenCalled();
    });

    it('lets an operator mount a plain local volume, and one the engine will create', async () => {
      engine.inspectVolume.mockResolvedValueOnce({ Driver: 'local', Options: null });
      await expect(create({ binds: ['plain:/a', 'new-one:/b'] }, operator)).resolves.toMatchObject({ id: 'c1' });
      expect(engine.inspectVolume).toHaveBeenCalledWith('plain');
      expect(engine.inspectVolume).toHaveBeenCalledWith('new-one');
    });

    it('does not audit an admin create that needs no exception', async () => {
      await create({}, admin);
      expect(records).toEqual([]);
    });
  });

  describe('start', () => {
    const swapped = () => {
      engine.inspectContainer.mockResolvedValue({ Id: 'c1', Name: '/b', Mounts: [{ Type: 'bind', Source: '/srv/data/esc' }] });
      paths.kinds.set('/srv/data/esc', 'symlink');
    };

    it.each<[string, (s: ContainersService) => Promise<void>, 'startContainer' | 'restartContainer']>([
      ['start', (s) => s.start('local', 'c1', operator), 'startContainer'],
      ['restart', (s) => s.restart('local', 'c1', operator), 'restartContainer'],
    ])('%s: denies an operator when a bind source under a root became a symlink, before the engine mounts it', async (_name, act, call) => {
      swapped();
      await expect(act(service)).rejects.toMatchObject({ code: 'POLICY_DENIED', problem: { extensions: { rules: ['bind-symlink'] } } });
      expect(engine[call]).not.toHaveBeenCalled();
    });

    it('create with start: checks the sources again right before the start, and leaves nothing behind', async () => {
      engine.inspectContainer.mockResolvedValueOnce({ Id: 'c1', Name: '/b' });
      swapped();
      await expect(create({ binds: ['/srv/data/ok:/x'], start: true }, operator)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect(engine.startContainer).not.toHaveBeenCalled();
      expect(engine.removeContainer).toHaveBeenCalledWith('c1', { force: true, volumes: true });
    });

    it("lets an admin start it, audited as an exception; an admin's bind outside the roots is not checked for them", async () => {
      swapped();
      await service.start('local', 'c1', admin);
      expect(engine.startContainer).toHaveBeenCalledWith('c1');
      expect(records).toEqual([expect.objectContaining({ action: START_POLICY_EXCEPTION_ACTION, actor: admin, targets: ['c1'] })]);
      engine.inspectContainer.mockResolvedValue({ Id: 'c2', Name: '/a', Mounts: [{ Type: 'bind', Source: '/etc' }] });
      await service.start('local', 'c2', admin);
      expect(engine.startContainer).toHaveBeenCalledTimes(2);
      expect(records).toHaveLength(1);
    });

    it.each<[string, object, string]>([
      ['privileged', { HostConfig: { Privileged: true } }, 'privileged'],
      [
        "binding the host's /etc",
        { Mounts: [{ Type: 'bind', Source: '/etc', Destination: '/h' }], HostConfig: { Binds: ['/etc:/h'] } },
        'bind-outside-allowed-roots',
      ],
      ['in the host pid namespace', { HostConfig: { PidMode: 'host' } }, 'host-pid'],
    ])(
      "denies an operator starting or restarting an admin's exception (%s), before the engine runs its command",
      async (_name, made, rule) => {
        engine.inspectContainer.mockResolvedValue({
          Id: 'c3',
          Name: '/agent',
          Config: { Image: 'busybox', Env: [] },
          HostConfig: {},
          Mounts: [],
          ...made,
        });
        for (const act of [() => service.start('local', 'agent', operator), () => service.restart('local', 'agent', operator)]) {
          await expect(act()).rejects.toMatchObject({
            code: 'POLICY_DENIED',
            problem: { extensions: { rules: expect.arrayContaining([rule]) } },
          });
        }
        // (restart and stop are not faked: had either been called, the answer would be that error, not the policy's)
        expect(engine.startContainer).not.toHaveBeenCalled();
        await service.start('local', 'agent', admin);
        expect(engine.startContainer).toHaveBeenCalledWith('c3');
      },
    );
  });

  it('answers 400 for fields that conflict, as the CLI does for --rm with --restart', async () => {
    await expect(create({ autoRemove: true, restartPolicy: { name: 'always' } }, operator)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('removes the container when start fails (port allocated) and passes the error on', async () => {
    engine.startContainer.mockRejectedValueOnce(problem(409, 'PORT_ALLOCATED'));
    await expect(create({ name: 'web', start: true }, operator)).rejects.toMatchObject({ code: 'PORT_ALLOCATED' });
    expect(engine.removeContainer).toHaveBeenCalledWith('c1', { force: true, volumes: true });
  });

  describe('pull', () => {
    it('missing: creates, and on IMAGE_NOT_FOUND pulls with stored credentials and creates again', async () => {
      engine.createContainer.mockRejectedValueOnce(problem(404, 'IMAGE_NOT_FOUND'));
      await create({ image: 'localhost:5001/team/app' }, operator);
      expect(auth.authFor).toHaveBeenCalledWith('localhost:5001/team/app:latest');
      expect(engine.pullImage).toHaveBeenCalledWith(
        'localhost:5001/team/app:latest',
        expect.objectContaining({ serveraddress: 'localhost:5001' }),
      );
      expect(engine.createContainer).toHaveBeenCalledTimes(2);
    });

    it('never: passes IMAGE_NOT_FOUND on without pulling', async () => {
      engine.createContainer.mockRejectedValueOnce(problem(404, 'IMAGE_NOT_FOUND'));
      await expect(create({ pull: 'never' }, operator)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
      expect(engine.pullImage).not.toHaveBeenCalled();
    });

    it('always: pulls first, even a present image', async () => {
      await create({ image: 'busybox:1.36', pull: 'always' }, operator);
      expect(engine.pullImage).toHaveBeenCalledWith('busybox:1.36', expect.anything());
      expect(engine.createContainer).toHaveBeenCalledTimes(1);
    });

    it('missing: a failed pull is the answer', async () => {
      engine.createContainer.mockRejectedValueOnce(problem(404, 'IMAGE_NOT_FOUND'));
      engine.pullImage.mockRejectedValueOnce(problem(502, 'REGISTRY_AUTH_FAILED'));
      await expect(create({}, operator)).rejects.toMatchObject({ code: 'REGISTRY_AUTH_FAILED' });
    });
  });

  describe('access that ends while the request runs', () => {
    it('a create whose caller is revoked during its pull is 401, and nothing is created', async () => {
      const caller = { ...admin };
      engine.pullImage.mockImplementationOnce(async () => void authenticator.revoked.add(caller));
      await expect(create({ image: 'busybox:1.36', pull: 'always', privileged: true }, caller)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect(engine.createContainer).not.toHaveBeenCalled();
    });

    it('a create-and-start whose caller is revoked before the start is 401, and the container is removed', async () => {
      const caller = { ...operator };
      engine.createContainer.mockImplementationOnce(async () => {
        authenticator.revoked.add(caller);
        return { id: 'c1', warnings: [] };
      });
      await expect(create({ name: 'web', start: true }, caller)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(engine.startContainer).not.toHaveBeenCalled();
      expect(engine.removeContainer).toHaveBeenCalledWith('c1', expect.objectContaining({ force: true }));
    });

    it('an exec whose caller is revoked while it runs is killed (its signal aborted) and its output not handed out: 401', async () => {
      const caller = { ...operator };
      let signal: AbortSignal | undefined;
      engine.execOnce.mockImplementationOnce(async (_id: string, _spec: unknown, limits: { signal?: AbortSignal }) => {
        signal = limits.signal;
        authenticator.revoked.add(caller);
        authenticator.revoke({ userId: caller.userId });
        return { exitCode: null, stdout: 'secret', stderr: '', truncated: false, timedOut: true };
      });
      await expect(service.exec('local', 'c1', { cmd: ['sleep', '600'] }, caller)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(signal?.aborted).toBe(true);
    });

    it('an exec whose caller is revoked while the container was checked is 401, and runs nothing', async () => {
      const caller = { ...operator };
      authenticator.revoked.add(caller);
      await expect(service.exec('local', 'c1', { cmd: ['true'] }, caller)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(engine.execOnce).not.toHaveBeenCalled();
    });
  });

  describe('entering a container', () => {
    it('commit answers the env keys it carried, never the values, and commits the container it judged (by id)', async () => {
      const committed = await service.commit('local', 'web', { repo: 'team/app', tag: '1' }, operator);
      expect(committed).toEqual({ id: 'sha256:new', image: 'team/app:1', carriedEnvKeys: ['PATH', 'DB_PASSWORD', 'EMPTY'] });
      expect(JSON.stringify(committed)).not.toContain('s3cret');
      expect(engine.commitContainer).toHaveBeenCalledWith('c1-full-id', expect.objectContaining({ repo: 'team/app', tag: '1' }));
    });

    it('exec runs in the container it judged (by id)', async () => {
      await service.exec('local', 'web', { cmd: ['true'] }, operator);
      expect(engine.execOnce).toHaveBeenCalledWith('c1-full-id', expect.objectContaining({ cmd: ['true'] }), expect.anything());
    });

    it.each([
      ['exec', () => service.exec('local', 'web', { cmd: ['true'] }, operator)],
      ['commit', () => service.commit('local', 'web', { repo: 'team/app' }, operator)],
    ])('%s into a policy exception is 403 for an operator, and the engine hears nothing of it', async (_name, act) => {
      const inspect = await engine.inspectContainer('web');
      engine.inspectContainer.mockResolvedValue({ ...inspect, HostConfig: { Binds: ['/:/host:ro'] } });
      await expect(act()).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect(engine.execOnce).not.toHaveBeenCalled();
      expect(engine.commitContainer).not.toHaveBeenCalled();
    });
  });

  it("denies an operator signalling or unpausing an admin's exception (its restart policy or a paused command runs on); stop stays theirs", async () => {
    const unpauseContainer = vi.fn(async () => undefined);
    const stopContainer = vi.fn(async () => undefined);
    Object.assign(engine, { unpauseContainer, stopContainer });
    engine.inspectContainer.mockResolvedValue({
      Id: 'agent-id',
      Name: '/agent',
      Config: { Image: 'a', Env: [] },
      HostConfig: { Privileged: true },
      Mounts: [],
    });
    await expect(service.kill('local', 'agent', operator, 'TERM')).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    await expect(service.unpause('local', 'agent', operator)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(engine.killContainer).not.toHaveBeenCalled();
    expect(unpauseContainer).not.toHaveBeenCalled();
    await service.stop('local', 'agent', operator);
    expect(stopContainer).toHaveBeenCalled();
    await service.kill('local', 'agent', admin, 'TERM');
    expect(engine.killContainer).toHaveBeenCalledWith('agent', 'TERM');
  });

  describe('mounts a policy exception shares', () => {
    const agentMounts = [
      { Type: 'volume', Name: 'agent-config', Source: '/var/lib/docker/volumes/agent-config/_data', Destination: '/config' },
      { Type: 'bind', Source: '/srv/data/agent', Destination: '/scripts' },
    ];
    beforeEach(() => {
      engine.listContainers.mockResolvedValue([
        { Id: 'agent-id', Names: ['/agent'], Mounts: agentMounts },
        { Id: 'plain-id', Names: ['/plain'], Mounts: [{ Type: 'volume', Name: 'shared-plain', Destination: '/d' }] },
        // A node exporter: privileged, the host's / bound. Every bind lies inside it; it blocks none.
        { Id: 'exporter-id', Names: ['/exporter'], Mounts: [{ Type: 'bind', Source: '/', Destination: '/host' }] },
      ] as never);
      engine.inspectContainer.mockImplementation(async (ref: string) => {
        if (ref === 'agent-id')
          return { Id: 'agent-id', Name: '/agent', HostConfig: { Privileged: true }, Mounts: agentMounts as never } as never;
        if (ref === 'exporter-id')
          return {
            Id: 'exporter-id',
            Name: '/exporter',
            HostConfig: { Privileged: true },
            Mounts: [{ Type: 'bind', Source: '/', Destination: '/host' }],
          } as never;
        if (ref === 'plain-id')
          return {
            Id: 'plain-id',
            Name: '/plain',
            HostConfig: {},
            Mounts: [{ Type: 'volume', Name: 'shared-plain', Destination: '/d' }],
          } as never;
        return {
          Id: 'mine-id',
          Name: '/mine',
          HostConfig: {},
          Mounts: [{ Type: 'volume', Name: 'agent-config', Destination: '/c' }],
        } as never;
      });
      engine.inspectVolume.mockResolvedValue({ Driver: 'local', Options: null });
    });

    it.each([
      ["the exception's volume", ['agent-config:/c']],
      ["a directory in the exception's bind source", ['/srv/data/agent/bin:/s']],
      ["a parent of the exception's bind source", ['/srv/data:/all']],
    ])('denies an operator binding %s (exception-mount), before the engine hears of it', async (_what, binds) => {
      await expect(create({ binds }, operator)).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        problem: { extensions: { rules: expect.arrayContaining(['exception-mount']) } },
      });
      expect(engine.createContainer).not.toHaveBeenCalled();
    });

    it("is not moved by a container whose only fault is its bind source's state (an operator's, a symlink planted in it)", async () => {
      engine.listContainers.mockResolvedValue([
        { Id: 'b-id', Names: ['/b'], Mounts: [{ Type: 'bind', Source: '/srv/data/esc', Destination: '/x' }] },
      ] as never);
      engine.inspectContainer.mockImplementation(
        async () =>
          ({
            Id: 'b-id',
            Name: '/b',
            HostConfig: { Binds: ['/srv/data/esc:/x'] },
            Mounts: [{ Type: 'bind', Source: '/srv/data/esc', Destination: '/x' }],
          }) as never,
      );
      paths.kinds.set('/srv/data/esc', 'symlink');
      await expect(create({ binds: ['/srv/data:/a'] }, operator)).resolves.toMatchObject({ id: 'c1' });
    });

    it('lets an operator share a volume with an ordinary container, or use one nobody else mounts; an admin anything', async () => {
      await expect(create({ binds: ['shared-plain:/d', 'own:/o', '/srv/data/app:/app'] }, operator)).resolves.toMatchObject({ id: 'c1' });
      await expect(create({ binds: ['agent-config:/c'] }, admin)).resolves.toMatchObject({ id: 'c1' });
    });

    it('denies an operator entering a container that shares a volume with the exception', async () => {
      await expect(service.exec('local', 'mine', { cmd: ['sh'] } as never, operator)).rejects.toMatchObject({
        problem: { extensions: { rules: ['exception-mount'] } },
      });
      expect(engine.execOnce).not.toHaveBeenCalled();
    });
  });

  describe("Berth's own container", () => {
    const BERTH_ID = 'b'.repeat(64);
    const containerTop = vi.fn(async () => ({ Titles: ['PID'], Processes: [['1']] }));
    const stopContainer = vi.fn(async () => undefined);
    const renameContainer = vi.fn(async () => undefined);

    beforeEach(() => {
      Object.assign(berth, { inContainer: true, id: BERTH_ID, dataSources: ['/srv/data/berth'] });
      Object.assign(engine, { containerTop, stopContainer, renameContainer });
      engine.inspectContainer.mockImplementation(async (ref: string) =>
        ref === 'berth' || ref === BERTH_ID
          ? {
              Id: BERTH_ID,
              Name: '/berth',
              Created: '2026-11-27T00:00:00Z',
              State: { Status: 'running', Running: true, StartedAt: '', FinishedAt: '' },
              Config: { Image: 'berth', Env: ['BERTH_JWT_SECRET=jwt-s3cret'] },
              HostConfig: {},
              Mounts: [{ Type: 'bind', Source: '/srv/data/berth', Destination: '/data' } as never],
            }
          : {
              Id: 'c9-full-id',
              Name: '/web',
              Created: '2026-11-27T00:00:00Z',
              Config: { Image: 'busybox', Env: [] },
              HostConfig: {},
              Mounts: [],
            },
      );
    });

    it.each<[string, (by: Principal) => Promise<unknown>, () => unknown]>([
      ['stop', (by) => service.stop('local', 'berth', by), () => stopContainer],
      ['kill', (by) => service.kill('local', 'berth', by), () => engine.killContainer],
      ['pause', (by) => service.pause('local', 'berth', by), () => engine.pauseContainer],
      ['rename', (by) => service.rename('local', 'berth', 'x', by), () => renameContainer],
      ['remove', (by) => service.remove('local', 'berth', { force: true }, by), () => engine.removeContainer],
      ['restart', (by) => service.restart('local', 'berth', by), () => engine.startContainer],
      ['exec into', (by) => service.exec('local', 'berth', { cmd: ['env'] } as never, by), () => engine.execOnce],
      ['commit', (by) => service.commit('local', 'berth', { repo: 'x/y' } as never, by), () => engine.commitContainer],
    ])('an operator may not %s it (403 berth-container), an admin may', async (_action, act, call) => {
      await expect(act(operator)).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        problem: { extensions: { rules: expect.arrayContaining(['berth-container']) } },
      });
      expect(call()).not.toHaveBeenCalled();
      await act(admin);
      expect(call()).toHaveBeenCalled();
    });

    it('an operator acts on another container by the id judged', async () => {
      await service.stop('local', 'web', operator);
      expect(stopContainer).toHaveBeenCalledWith('c9-full-id', undefined);
    });

    it('its environment is redacted for everyone but an admin, in inspect and in top', async () => {
      expect(JSON.stringify(await service.inspect('local', 'berth', operator))).not.toContain('jwt-s3cret');
      expect(JSON.stringify(await service.inspect('local', 'berth', admin))).toContain('jwt-s3cret');
      await expect(service.top('local', 'berth', 'eww', operator)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      await service.top('local', 'berth', 'aux', operator);
      await service.top('local', 'berth', 'eww', admin);
      await service.top('local', 'web', 'eww', operator);
      expect(containerTop).toHaveBeenCalledTimes(3);
    });

    it("behind a plain tcp:// socket proxy, an operator may not put a container on a network Berth's container is on", async () => {
      Object.assign(berth, { networks: ['berth-net-id'] });
      // Berth reaches its engine through a socket proxy on its network.
      const config = new AppConfig({ allowedBindRoots: ['/srv/data'], dockerHost: 'tcp://dockerproxy:2375' });
      service = new ContainersService(
        fakeHosts(engine),
        config,
        { record: async () => undefined } as AuditLog,
        auth as unknown as RegistryAuthProvider,
        new ContainerPolicy(config, new MountFacts(config, paths, fakeBerthContainer(berth))),
        authenticator,
      );
      const inspectNetwork = vi.fn(async (name: string) => ({
        Id: name === 'berth_default' ? 'berth-net-id' : 'other-id',
        Name: name,
        Driver: 'bridge',
      }));
      Object.assign(engine, { inspectNetwork });
      await expect(create({ network: 'berth_default' }, operator)).rejects.toMatchObject({
        problem: { extensions: { rules: ['berth-container'] } },
      });
      await expect(create({ networks: [{ name: 'berth_default' }] }, operator)).rejects.toMatchObject({
        problem: { extensions: { rules: ['berth-container'] } },
      });
      await expect(create({ network: 'backend' }, operator)).resolves.toMatchObject({ id: 'c1' });
    });

    it("through the socket (the compose file's way), Berth's network is an operator's as any other (a registry beside it)", async () => {
      Object.assign(berth, { networks: ['berth-net-id'] });
      Object.assign(engine, { inspectNetwork: vi.fn(async (name: string) => ({ Id: 'berth-net-id', Name: name, Driver: 'bridge' })) });
      await expect(create({ network: 'berth_default' }, operator)).resolves.toMatchObject({ id: 'c1' });
    });

    it('an operator may not join its namespaces, nor bind the host paths of its data dir', async () => {
      await expect(create({ pidMode: 'container:berth' }, operator)).rejects.toMatchObject({
        problem: { extensions: { rules: ['joins-privileged-container'] } },
      });
      for (const bind of ['/srv/data/berth/jwt-secret:/s', '/srv/data:/all']) {
        await expect(create({ binds: [bind] }, operator)).rejects.toMatchObject({
          problem: { extensions: { rules: expect.arrayContaining(['berth-volume']) } },
        });
      }
      await expect(create({ binds: ['/srv/data/app:/app'] }, operator)).resolves.toMatchObject({ id: 'c1' });
      expect(engine.createContainer).toHaveBeenCalledTimes(1);
    });
  });

  it('kill: KILL on a stopped container is done, another signal to it is a 409', async () => {
    engine.killContainer.mockRejectedValue(problem(409, 'CONTAINER_NOT_RUNNING'));
    await expect(service.kill('local', 'c1', operator)).resolves.toBeUndefined();
    await expect(service.kill('local', 'c1', operator, 'sigkill')).resolves.toBeUndefined();
    await expect(service.kill('local', 'c1', operator, 'HUP')).rejects.toMatchObject({ code: 'CONTAINER_NOT_RUNNING' });
  });

  it('pause: already paused is success; other failures are not', async () => {
    engine.pauseContainer.mockRejectedValueOnce(problem(409, 'CONTAINER_PAUSED'));
    await expect(service.pause('local', 'c1', operator)).resolves.toBeUndefined();
    engine.pauseContainer.mockRejectedValueOnce(problem(409, 'CONTAINER_NOT_RUNNING'));
    await expect(service.pause('local', 'c1', operator)).rejects.toMatchObject({ code: 'CONTAINER_NOT_RUNNING' });
  });

  it('shares one engine list between concurrent identical requests', async () => {
    let release!: () => void;
    engine.listContainers.mockImplementation(() => new Promise((resolve) => (release = () => resolve([]))));
    const first = service.list('local', { all: true });
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [service.list('local', { all: true }), service.list('local', { all: true })];
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(waiting);
    expect(engine.listContainers).toHaveBeenCalledTimes(2);
  });

  it("makes a frozen query's engine query once (the direct route shares one per query string), a mutable one's afresh", async () => {
    engine.listContainers.mockResolvedValue([]);
    // The fake's listContainersJson hands its query on to listContainers.
    const asked = engine.listContainers.mock as unknown as { calls: Array<[ContainerListQuery]> };
    const shared = Object.freeze({ all: true, label: Object.freeze(['team=web']) as string[] });
    await service.list('local', shared);
    await service.list('local', shared);
    expect(asked.calls[1][0]).toBe(asked.calls[0][0]);
    expect(Object.isFrozen(asked.calls[0][0].filters?.label)).toBe(true);

    const mutable = { all: true, label: ['team=web'] };
    await service.list('local', mutable);
    mutable.label = ['team=db'];
    await service.list('local', mutable);
    expect(asked.calls[3][0]).toEqual({ all: true, filters: { label: ['team=db'] } });
  });

  it('pages after the shared engine list: other pages of one list still share its engine call', async () => {
    let release!: () => void;
    const created = (id: string, seconds: number) => ({
      Id: id,
      Names: [`/${id}`],
      Created: seconds,
      Ports: [],
      Labels: {},
      State: 'running',
    });
    engine.listContainers.mockImplementation(
      () => new Promise((resolve) => (release = () => resolve([created('a', 1), created('c', 3), created('b', 2)] as never))),
    );
    const first = service.list('local', { all: true, limit: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const page = await first;
    expect(page.items.map((c) => c.id)).toEqual(['c', 'b']);
    expect(page.total).toBe(3);
    const rest = service.list('local', { all: true, limit: 2, cursor: page.nextCursor! });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await rest).toMatchObject({ items: [{ id: 'a' }], nextCursor: null, total: 3 });
    expect(engine.listContainers).toHaveBeenCalledTimes(2);
  });
});
