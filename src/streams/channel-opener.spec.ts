import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../common/access.decorators.js';
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

function setup() {
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
    authorize: async (_request: IncomingMessage, _url: URL, role: Role) => {
      steps.push(`authorize ${role}`);
      return operator;
    },
  };
  const opener = new ChannelOpener(
    hosts as unknown as DockerHosts,
    access as unknown as StreamAccess,
    {} as StreamMetrics,
    new AppConfig(),
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
    ['none', 'host=local', ['authorize viewer', 'check'], {}],
    ['host', 'host=local', ['authorize viewer', 'host local', 'check'], { engine: { host: { id: 'local' } } }],
    ['container', 'container=old', ['authorize viewer', 'host local', 'target old', 'check'], { target: containers.old }],
    ['running container', 'container=web', ['authorize viewer', 'host local', 'target web', 'check'], { target: containers.web }],
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
      [],
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
    expect(steps).toEqual(['authorize viewer', ...resolving]);
  });
});
