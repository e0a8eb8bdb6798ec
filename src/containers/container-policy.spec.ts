import { describe, expect, it } from 'vitest';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { fakeEngine } from '../docker/engine-testing.js';
import { ContainerPolicy, MAX_JOIN_DEPTH } from './container-policy.js';
import { FakeHostPaths, fakeBerthContainer } from './host-paths.testing.js';
import { MountFacts } from './mount-facts.js';
import type { CreatePolicyRequest, PolicyRule } from './create-policy.js';

const operator: Principal = { kind: 'user', userId: 'u2', username: 'ops', role: 'operator' };
const admin: Principal = { kind: 'user', userId: 'u1', username: 'root', role: 'admin' };
const HOST_NETWORK = '6f28535216670c9e6062e12b49ed1c6b2324d28d244f4db4474f0076ccf6531b';

interface FakeContainer {
  name: string;
  host?: Record<string, unknown>;
  image?: string;
  imageId?: string;
  env?: string[];
}

/** A fake engine that knows some containers (by name or id), the predefined networks and one image. */
function engineKnowing(containers: FakeContainer[], images: Record<string, string> = {}) {
  const calls: string[] = [];
  const inspectOf = (c: FakeContainer) => ({
    Id: `id-${c.name}`,
    Name: `/${c.name}`,
    Image: c.imageId ?? 'sha256:base',
    Config: { Image: c.image ?? 'busybox', Env: c.env ?? [] },
    HostConfig: { NetworkMode: 'default', ...c.host },
    Mounts: [],
  });
  const engine = fakeEngine({
    inspectContainer: async (ref: string) => {
      calls.push(`container ${ref}`);
      const found = containers.find((c) => c.name === ref || `id-${c.name}` === ref);
      if (!found) throw new ProblemException(404, 'CONTAINER_NOT_FOUND', `No such container: ${ref}`);
      return inspectOf(found);
    },
    inspectNetwork: async (ref: string) => {
      calls.push(`network ${ref}`);
      const networks = [
        { Id: HOST_NETWORK, Name: 'host', Driver: 'host' },
        { Id: 'b'.repeat(64), Name: 'backend', Driver: 'bridge' },
      ];
      const found = networks.find((n) => n.Name === ref || n.Id.startsWith(ref));
      if (!found) throw new ProblemException(404, 'NETWORK_NOT_FOUND', `network ${ref} not found`);
      return found;
    },
    inspectImage: async (ref: string) => {
      calls.push(`image ${ref}`);
      if (!images[ref]) throw new ProblemException(404, 'IMAGE_NOT_FOUND', `No such image: ${ref}`);
      return { Id: images[ref] };
    },
    listContainers: async () => {
      calls.push('list');
      return containers.map((c) => {
        const inspect = inspectOf(c);
        const moved = images[inspect.Config.Image] !== undefined && images[inspect.Config.Image] !== inspect.Image;
        return { Id: inspect.Id, Image: moved ? inspect.Image : inspect.Config.Image, ImageID: inspect.Image };
      });
    },
  });
  return { engine, calls };
}

const config = new AppConfig({ allowedBindRoots: ['/srv/data'] });
const policy = new ContainerPolicy(config, new MountFacts(config, new FakeHostPaths(), fakeBerthContainer()));
const rulesOf = (violations: Array<{ rule: PolicyRule }>) => violations.map((v) => v.rule);
const chain = (length: number, last: Record<string, unknown> = {}): FakeContainer[] =>
  Array.from({ length }, (_, i) => ({ name: `c${i}`, host: i === length - 1 ? last : { PidMode: `container:c${i + 1}` } }));

describe('ContainerPolicy', () => {
  describe('following joins to the end of the chain', () => {
    it.each<[string, FakeContainer[], CreatePolicyRequest, PolicyRule[], string?]>([
      ['an ordinary target', [{ name: 'web' }], { pidMode: 'container:web' }, []],
      [
        'a target with a bind of /',
        [{ name: 'box', host: { Binds: ['/:/host:ro'] } }],
        { pidMode: 'container:box' },
        ['joins-privileged-container'],
        'bind-outside-allowed-roots',
      ],
      [
        'a target with the socket',
        [{ name: 'box', host: { Binds: ['/var/run/docker.sock:/s'] } }],
        { network: 'container:box' },
        ['joins-privileged-container'],
        'docker-socket',
      ],
      [
        'a target with a capability',
        [{ name: 'box', host: { CapAdd: ['SYS_PTRACE'] } }],
        { ipcMode: 'container:box' },
        ['joins-privileged-container'],
        'SYS_PTRACE',
      ],
      [
        'a target with a device',
        [{ name: 'box', host: { Devices: [{ PathOnHost: '/dev/sda' }] } }],
        { pidMode: 'container:box' },
        ['joins-privileged-container'],
        '/dev/sda',
      ],
      [
        'A → B in the host PID namespace',
        [
          { name: 'a', host: { PidMode: 'container:b' } },
          { name: 'b', host: { PidMode: 'host' } },
        ],
        { pidMode: 'container:a' },
        ['joins-privileged-container'],
        'host-pid',
      ],
      [
        'A → B → C privileged',
        chain(3, { Privileged: true }),
        { pidMode: 'container:c0' },
        ['joins-privileged-container'],
        'container c2 is root on the host (privileged',
      ],
      ['a chain of ordinary containers', chain(MAX_JOIN_DEPTH - 1), { pidMode: 'container:c0' }, []],
      [
        'a chain longer than the bound',
        chain(MAX_JOIN_DEPTH + 2),
        { pidMode: 'container:c0' },
        ['joins-privileged-container'],
        `longer than ${MAX_JOIN_DEPTH}`,
      ],
      [
        'a loop',
        [
          { name: 'a', host: { PidMode: 'container:b' } },
          { name: 'b', host: { NetworkMode: 'container:a' } },
        ],
        { pidMode: 'container:a' },
        ['joins-privileged-container'],
        'loops',
      ],
      [
        'a target that joined a container since removed',
        [{ name: 'a', host: { PidMode: 'container:gone' } }],
        { pidMode: 'container:a' },
        ['joins-privileged-container'],
        'no longer exists',
      ],
      [
        'a target on the host network by id',
        [{ name: 'edge', host: { NetworkMode: HOST_NETWORK.slice(0, 12) } }],
        { network: 'container:edge' },
        ['joins-privileged-container'],
        'host-network',
      ],
      ['the host network by id prefix', [], { network: HOST_NETWORK.slice(0, 6) }, ['host-network']],
      ['the host network by full id', [], { network: HOST_NETWORK }, ['host-network']],
      ['a bridge network by name', [], { network: 'backend' }, []],
      ['a network the engine does not know (it refuses it itself)', [], { network: 'nowhere' }, []],
    ])('%s', async (_name, containers, request, rules, detail) => {
      const { engine } = engineKnowing(containers);
      const decision = await policy.decideCreate(engine, request, 'operator');
      expect(rulesOf(decision.violations)).toEqual(rules);
      expect(decision.outcome).toBe(rules.length ? 'deny' : 'allow');
      if (detail) expect(decision.violations[0].detail).toContain(detail);
    });

    it('passes the engine 404 on for a create that joins a missing container', async () => {
      const { engine } = engineKnowing([]);
      await expect(policy.decideCreate(engine, { pidMode: 'container:nope' }, 'operator')).rejects.toMatchObject({
        code: 'CONTAINER_NOT_FOUND',
      });
    });

    it('does not look up predefined networks', async () => {
      const { engine, calls } = engineKnowing([]);
      for (const network of ['bridge', 'none', 'default', 'host']) await policy.decideCreate(engine, { network }, 'operator');
      expect(calls).toEqual([]);
    });
  });

  describe('authorizeEntry', () => {
    const containers: FakeContainer[] = [
      { name: 'exception', host: { Binds: ['/:/host:ro', '/var/run/docker.sock:/var/run/docker.sock'] } },
      { name: 'joiner', host: { PidMode: 'container:exception' } },
      { name: 'plain' },
    ];

    it.each<[string, string, PolicyRule[]]>([
      ['a policy exception', 'exception', ['docker-socket', 'berth-volume', 'bind-outside-allowed-roots']],
      ['a container that joined one', 'joiner', ['joins-privileged-container']],
    ])('refuses an operator %s with 403 POLICY_DENIED naming the rules', async (_name, ref, rules) => {
      const { engine } = engineKnowing(containers);
      const denied = (await policy.authorizeEntry(engine, ref, operator, 'exec').catch((e: unknown) => e)) as ProblemException;
      expect(denied).toBeInstanceOf(ProblemException);
      expect(denied.getStatus()).toBe(403);
      expect(denied.code).toBe('POLICY_DENIED');
      expect(denied.problem.extensions?.rules).toEqual(rules);
      expect(denied.detail).toContain(`only an admin may exec it`);
    });

    it('lets an operator into an ordinary container and answers its inspect', async () => {
      const { engine } = engineKnowing(containers);
      await expect(policy.authorizeEntry(engine, 'plain', operator, 'commit')).resolves.toMatchObject({ Id: 'id-plain' });
    });

    it('lets an admin in without judging', async () => {
      const { engine, calls } = engineKnowing(containers);
      await expect(policy.authorizeEntry(engine, 'exception', admin, 'attach')).resolves.toMatchObject({ Id: 'id-exception' });
      expect(calls).toEqual(['container exception']);
    });

    it('treats a caller without a principal as a non-admin', async () => {
      const { engine } = engineKnowing(containers);
      await expect(policy.authorizeEntry(engine, 'exception', undefined, 'exec')).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    });
  });

  describe('authorizeTagReplacement', () => {
    const exception = { name: 'admin-app', image: 'team/app', imageId: 'sha256:1', host: { CapAdd: ['NET_ADMIN'] } };
    it.each<[string, FakeContainer[], Record<string, string>, string, boolean]>([
      ['the tag an exception runs: denied', [exception], { 'team/app:latest': 'sha256:1' }, 'team/app:latest', true],
      ['the same tag spelled in full: denied', [exception], { 'docker.io/team/app:latest': 'sha256:1' }, 'docker.io/team/app:latest', true],
      ['another tag of the repository: allowed', [exception], {}, 'team/app:2', false],
      [
        'the tag after it moved on (the list shows the old id): denied',
        [exception],
        { 'team/app': 'sha256:2', 'team/app:latest': 'sha256:2' },
        'team/app:latest',
        true,
      ],
      [
        'a tag whose current image an exception runs under another name: denied',
        [{ ...exception, image: 'other:1' }],
        { 'team/app:9': 'sha256:1' },
        'team/app:9',
        true,
      ],
      [
        'the tag an ordinary container runs: allowed',
        [{ name: 'plain', image: 'team/app', imageId: 'sha256:1' }],
        { 'team/app:latest': 'sha256:1' },
        'team/app:latest',
        false,
      ],
      ['a tag nobody runs: allowed', [exception], {}, 'fresh/image:1', false],
    ])('replacing %s', async (_name, containers, images, ref, denied) => {
      const { engine } = engineKnowing(containers, images);
      const outcome = policy.authorizeTagReplacement(engine, ref, operator);
      if (!denied) return expect(outcome).resolves.toBeUndefined();
      const problem = (await outcome.catch((e: unknown) => e)) as ProblemException;
      expect(problem.code).toBe('POLICY_DENIED');
      expect(problem.problem.extensions?.rules).toEqual(['cap-add']);
      expect(problem.problem.extensions?.containers).toEqual(['id-admin-app']);
      expect(problem.detail).toContain('admin-app');
    });

    it('lets an admin replace any tag without looking', async () => {
      const { engine, calls } = engineKnowing([exception], { 'team/app:latest': 'sha256:1' });
      await expect(policy.authorizeTagReplacement(engine, 'team/app:latest', admin)).resolves.toBeUndefined();
      expect(calls).toEqual([]);
    });
  });
});

describe('ContainerPolicy: networks', () => {
  const { engine } = engineKnowing([{ name: 'web' }, { name: 'root', host: { Privileged: true } }]);
  const host = { Id: HOST_NETWORK, Name: 'host', Driver: 'host' };
  const backend = { Id: 'b'.repeat(64), Name: 'backend', Driver: 'bridge' };

  it.each<[string, typeof host, string, 'connect' | 'disconnect', Principal, PolicyRule[]]>([
    ['an operator connecting a plain container to a bridge', backend, 'web', 'connect', operator, []],
    ['an operator connecting to the host network', host, 'web', 'connect', operator, ['host-network']],
    ['an operator connecting a privileged container', backend, 'root', 'connect', operator, ['privileged']],
    ['an operator disconnecting a privileged container', backend, 'root', 'disconnect', operator, ['privileged']],
    ['an admin connecting a privileged container to the host network', host, 'root', 'connect', admin, []],
  ])('%s → %j', async (_what, network, container, action, principal, rules) => {
    const outcome = await policy.authorizeNetworkChange(engine, network, container, principal, action).then(
      (inspect) => ({ id: inspect.Id }),
      (error: ProblemException) => ({ rules: (error.problem.extensions as { rules: PolicyRule[] }).rules }),
    );
    expect(outcome).toEqual(rules.length ? { rules } : { id: `id-${container}` });
  });

  it('resolves each of networks to its driver and full id for the create', async () => {
    const decision = await policy.decideCreate(
      engine,
      { networks: [{ name: 'backend' }, { name: HOST_NETWORK.slice(0, 12) }] },
      'operator',
    );
    expect(decision.outcome).toBe('deny');
    expect(rulesOf(decision.violations)).toEqual(['host-network']);
    expect(decision.networks).toEqual([
      { name: 'backend', driver: 'bridge', id: 'b'.repeat(64) },
      { name: HOST_NETWORK.slice(0, 12), driver: 'host', id: HOST_NETWORK },
    ]);
  });

  it('answers the full id of a network named by prefix', async () => {
    const decision = await policy.decideCreate(engine, { network: 'bbbbbb' }, 'operator');
    expect(decision).toMatchObject({ outcome: 'allow', networkId: 'b'.repeat(64) });
  });
});
