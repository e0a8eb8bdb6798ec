import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { EngineTls } from '../config/engine-tls.js';
import { Metrics } from '../common/metrics.js';
import { EngineCalls, connectionOptions, tlsOptions } from './engine-calls.js';
import { engineUnavailable } from './engine-errors.js';
import { HostHealth } from './host-health.js';

const verified: EngineTls = { verify: true, certPath: '/c', ca: Buffer.from('ca'), cert: Buffer.from('cert'), key: Buffer.from('key') };

describe('connectionOptions', () => {
  it.each([
    ['unix:///var/run/docker.sock', undefined, { socketPath: '/var/run/docker.sock' }],
    ['unix:///var/run/docker.sock', verified, { socketPath: '/var/run/docker.sock' }],
    ['tcp://10.0.0.2:2375', undefined, { host: '10.0.0.2', port: 2375, protocol: 'http' }],
    ['tcp://10.0.0.2:2376', undefined, { host: '10.0.0.2', port: 2376, protocol: 'http' }],
    ['tcp://10.231.0.2:2376', verified, { host: '10.231.0.2', port: 2376, protocol: 'https' }],
    ['tcp://engine.example:2376', { ...verified, verify: false }, { host: 'engine.example', port: 2376, protocol: 'https' }],
  ])('%s with %j', (url, tls, expected) => {
    const { agent, ...options } = connectionOptions(url, tls) as Record<string, unknown>;
    expect(options).toEqual(expected);
    expect(agent instanceof Agent).toBe('protocol' in expected && expected.protocol === 'https');
    // Every transport reuses its connections: no connect and teardown per engine call.
    expect(agent instanceof HttpAgent && (agent as HttpAgent & { keepAlive: boolean }).keepAlive).toBe(true);
    // docker-modem inspects every request's options: the agent's socket pool must not be walked each time.
    expect(inspect({ agent }, { showHidden: true, depth: null })).toBe('{ agent: Agent }');
  });

  it('gives the TLS agent the certificates and the verification choice', () => {
    const agent = (connectionOptions('tcp://10.231.0.2:2376', verified) as { agent: Agent }).agent;
    expect(agent.options).toMatchObject({ ca: verified.ca, cert: verified.cert, key: verified.key, rejectUnauthorized: true });
    expect(tlsOptions({ ...verified, verify: false })).toMatchObject({ rejectUnauthorized: false });
  });
});

describe('EngineCalls and the host health', () => {
  const down = async (shortCircuit: boolean) => {
    const calls = new EngineCalls({ id: 'staging', name: 'staging', url: 'tcp://127.0.0.1:9' }, new Metrics(), 1000);
    calls.health = new HostHealth('staging', () => Promise.reject(engineUnavailable('staging', 'cannot connect (ECONNREFUSED)')), {
      shortCircuit,
    });
    await calls.health.checkNow();
    return calls;
  };

  it('answers 503 at once for a host known down, without calling the engine', async () => {
    const calls = await down(true);
    let ran = false;
    await expect(calls.call('container.list', async () => (ran = true))).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    expect(ran).toBe(false);
  });

  it.each([
    ['its own checks (health.*)', true, 'health.check'],
    ['every call of a host without the short circuit (local)', false, 'container.list'],
  ])('lets through %s', async (_, shortCircuit, operation) => {
    const calls = await down(shortCircuit);
    expect(await calls.call(operation, async () => 'answered')).toBe('answered');
  });
});

describe('EngineCalls.close', () => {
  const calls = () => new EngineCalls({ id: 'staging', name: 'staging', url: 'tcp://127.0.0.1:9' }, new Metrics(), 1000);

  it('ends the hijacked connections it holds (exec, attach) and refuses every later call and connection', async () => {
    const engine = calls();
    const session = engine.hold(new PassThrough());
    let ran = false;
    engine.close();
    expect(session.destroyed).toBe(true);
    await expect(
      engine.call('container.list', () => {
        ran = true;
        return Promise.resolve([]);
      }),
    ).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', detail: expect.stringContaining('removed or reconnected') });
    expect(ran).toBe(false);
    const late = new PassThrough();
    expect(() => engine.hold(late)).toThrow(/removed or reconnected/);
    expect(late.destroyed).toBe(true);
  });

  it('lets go of a connection that ended by itself, and leaves those of an engine still open', async () => {
    const engine = calls();
    const socket = engine.hold(new PassThrough());
    expect(socket.destroyed).toBe(false);
    socket.destroy();
    await new Promise((resolve) => socket.once('close', resolve));
    expect((engine as unknown as { hijacked: Set<unknown> }).hijacked.size).toBe(0);
  });
});
