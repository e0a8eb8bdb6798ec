import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { HostAccess } from '../auth/host-access.js';
import { AppConfig } from '../config/app-config.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import type { DockerHosts } from '../docker/docker-hosts.js';
import { AnyChannel, ChannelFeed, TargetKind, declareChannel } from './channel.js';
import { ChannelOpener } from './channel-opener.js';
import { ContainerStreamQueryDto, StreamQueryDto } from './dto/stream-query.dto.js';
import type { StreamAccess } from './stream-access.js';
import type { StreamMetrics } from './stream-metrics.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };
const containers = {
  web: { id: 'c1', name: 'web', tty: false, running: true },
  old: { id: 'c2', name: 'old', tty: false, running: false },
};

function setup(caller: Principal = operator) {
  const steps: string[] = [];
  const engine = {
    host: { id: 'local' },
    streamTarget: vi.fn(async (ref: string) => {
      steps.push(`target ${ref}`);
      const found = containers[ref as keyof typeof containers];
      if (!found) throw new ProblemException(404, 'CONTAINER_NOT_FOUND', `No such container: ${ref}`);
      return found;
    }),
  };
  const hosts = {
    get: (id: string) => {
      steps.push(`host ${id}`);
      if (id !== 'local') throw new ProblemException(404, 'HOST_NOT_FOUND', `No host '${id}'.`);
      return engine;
    },
  };
  const access = {
    authenticate: async () => {
      steps.push('authenticate');
      return caller;
    },
  };
  const opener = new ChannelOpener(
    hosts as unknown as DockerHosts,
    access as unknown as StreamAccess,
    {} as StreamMetrics,
    new AppConfig(),
    new HostAccess(),
  );
  const feed: ChannelFeed<unknown> = { check: vi.fn(async () => void steps.push('check')), attach: vi.fn() };
  const request = { socket: { remoteAddress: '10.0.0.9' } } as IncomingMessage;
  const prepare = (channel: AnyChannel, query: string) =>
    opener.prepare(channel, feed, request, new URL(`http://berth${channel.path}?${query}`));
  return { steps, engine, prepare };
}

const channel = (target: TargetKind, extra: Partial<AnyChannel> = {}): AnyChannel =>
  declareChannel({
    name: 'logs',
    path: '/api/v1/ws/test',
    query: target === 'host' || target === 'none' ? StreamQueryDto : ContainerStreamQueryDto,
    role: 'viewer',
    target,
    feed: Object,
    ...extra,
  });

describe('ChannelOpener', () => {
  it.each([
    ['none', 'host=local', ['authenticate', 'check'], {}],
    ['host', 'host=local', ['authenticate', 'host local', 'check'], { engine: { host: { id: 'local' } } }],
    ['container', 'container=old', ['authenticate', 'host local', 'target old', 'check'], { target: containers.old }],
    ['running container', 'container=web', ['authenticate', 'host local', 'target web', 'check'], { target: containers.web }],
  ] as const)('resolves a %s target, then runs the feed check', async (target, query, steps, resolved) => {
    const setupped = setup();
    const context = await setupped.prepare(channel(target), query);
    expect(setupped.steps).toEqual(steps);
    expect(context).toMatchObject({ principal: operator, remoteAddress: '10.0.0.9', ...resolved });
  });

  it.each([
    [
      'a stopped container where it must run',
      channel('running container'),
      'container=old',
      409,
      'CONTAINER_NOT_RUNNING',
      ['host local', 'target old'],
    ],
    [
      'a reference the engine grammar cannot name, before any engine call',
      channel('container'),
      'container=../x',
      404,
      'CONTAINER_NOT_FOUND',
      ['host local'],
    ],
    ['an unknown host', channel('host'), 'host=elsewhere', 404, 'HOST_NOT_FOUND', ['host elsewhere']],
    ['an unknown query field, before any target', channel('container'), 'container=web&x=1', 400, 'VALIDATION_FAILED', []],
    [
      "the declaration's query rule, before any target",
      channel('container', {
        validate: () => {
          throw new ProblemException(400, 'VALIDATION_FAILED', 'no');
        },
      }),
      'container=web',
      400,
      'VALIDATION_FAILED',
      [],
    ],
  ] as const)('refuses %s, without running the feed check', async (_case, declared, query, status, code, resolving) => {
    const { steps, prepare } = setup();
    const refusal = await prepare(declared, query).catch((error: ProblemException) => error);
    expect(refusal).toBeInstanceOf(ProblemException);
    expect([(refusal as ProblemException).getStatus(), (refusal as ProblemException).code]).toEqual([status, code]);
    expect(steps).toEqual(['authenticate', ...resolving]);
  });

  const hidden: Principal = { ...operator, hostGrants: [{ host: 'local', role: 'none' }] };
  const viewerThere: Principal = { ...operator, hostGrants: [{ host: 'local', role: 'viewer' }] };
  const restrictedKey: Principal = { ...operator, kind: 'apiKey', apiKeyId: 'k1', keyHosts: ['other-*'] };
  it.each([
    ['a host hidden by a grant none', hidden, channel('container'), 'container=web', 404, 'HOST_NOT_FOUND'],
    ['a host outside a key restriction', restrictedKey, channel('host'), 'host=local', 404, 'HOST_NOT_FOUND'],
    ['a role too low on the host', viewerThere, channel('running container', { role: 'operator' }), 'container=web', 403, 'FORBIDDEN'],
  ] as const)('refuses %s before any container is looked up', async (_case, caller, declared, query, status, code) => {
    const { steps, prepare } = setup(caller);
    const refusal = (await prepare(declared, query).catch((error: unknown) => error)) as ProblemException;
    expect([refusal.getStatus(), refusal.code]).toEqual([status, code]);
    expect(steps).toEqual(['authenticate', 'host local']);
  });

  it('gives the feed the caller with their role on the host', async () => {
    const { prepare } = setup({ ...operator, role: 'viewer', hostGrants: [{ host: 'loc*', role: 'operator' }] });
    const context = await prepare(channel('running container', { role: 'operator' }), 'container=web');
    expect(context).toMatchObject({ principal: { userId: 'u1', role: 'operator' } });
  });
});
