import { describe, expect, it } from 'vitest';
import type { EngineSwarmObject } from '../docker/engine-swarm.js';
import { isLabelPatch } from './swarm-validators.js';
import { patchedNodeSpec, taskFilters, toConfig, toSecret, toSwarm, toTask, valueBytes } from './swarm-views.js';
import { checkedValue } from './swarm-objects.service.js';

describe('toSwarm', () => {
  const cluster = { ID: 'c1', CreatedAt: '2026-11-26T20:38:12Z', UpdatedAt: '2026-11-26T20:38:13Z' };
  it.each([
    ['inactive engine', { LocalNodeState: 'inactive', NodeID: '', Error: '' }, { state: 'inactive', manager: false }],
    [
      'manager',
      { LocalNodeState: 'active', NodeID: 'n1', NodeAddr: '10.0.0.2', ControlAvailable: true, Nodes: 1, Managers: 1, Cluster: cluster },
      {
        state: 'active',
        manager: true,
        nodeId: 'n1',
        nodeAddress: '10.0.0.2',
        clusterId: 'c1',
        createdAt: cluster.CreatedAt,
        updatedAt: cluster.UpdatedAt,
        nodes: 1,
        managers: 1,
      },
    ],
    [
      'worker: no cluster details',
      { LocalNodeState: 'active', NodeID: 'n2', ControlAvailable: false, Cluster: cluster },
      { state: 'active', manager: false, nodeId: 'n2' },
    ],
    ['an unknown state is an error', { LocalNodeState: 'weird' }, { state: 'error', manager: false }],
    ['locked manager', { LocalNodeState: 'locked', ControlAvailable: true }, { state: 'locked', manager: false }],
  ])('%s', (_name, status, expected) => {
    expect(toSwarm(status)).toEqual(expected);
  });
});

describe('patchedNodeSpec', () => {
  const spec = { Role: 'manager', Availability: 'active', Labels: { zone: 'a', old: 'x' }, Name: 'n' };
  it.each([
    ['availability only: labels kept', { availability: 'drain' as const }, { ...spec, Availability: 'drain' }],
    ['labels merged, null removes', { labels: { zone: 'b', rack: '1', old: null } }, { ...spec, Labels: { zone: 'b', rack: '1' } }],
    ['nothing: the spec as it was', {}, spec],
  ])('%s', (_name, update, expected) => {
    expect(patchedNodeSpec(spec, update)).toEqual(expected);
  });
});

describe('isLabelPatch', () => {
  it.each([
    [{ zone: 'a' }, true],
    [{ zone: null }, true],
    [{}, true],
    [{ 'a=b': 'c' }, false],
    [{ '': 'c' }, false],
    [{ zone: 1 }, false],
    [{ zone: 'x'.repeat(4097) }, false],
    [['a'], false],
    [null, false],
    [Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])), false],
  ])('%j → %s', (value, ok) => {
    expect(isLabelPatch(value)).toBe(ok);
  });
});

describe('toTask', () => {
  it('keeps state, error and container, drops Go zero times', () => {
    const task = toTask({
      ID: 't1',
      ServiceID: 's1',
      Slot: 2,
      NodeID: 'n1',
      DesiredState: 'shutdown',
      CreatedAt: '0001-01-01T00:00:00Z',
      Spec: { ContainerSpec: { Image: 'busybox:latest@sha256:1' } },
      Status: { State: 'rejected', Message: 'preparing', Err: 'No such image: x', Timestamp: '2026-11-26T20:00:00Z' },
    });
    expect(task).toEqual({
      id: 't1',
      serviceId: 's1',
      slot: 2,
      nodeId: 'n1',
      image: 'busybox:latest@sha256:1',
      desiredState: 'shutdown',
      state: 'rejected',
      message: 'preparing',
      error: 'No such image: x',
      stateSince: '2026-11-26T20:00:00Z',
      labels: {},
    });
  });

  it('maps the query to the engine filters (desired-state as the CLI names it)', () => {
    expect(taskFilters({ service: ['web'], node: ['n1'], desiredState: ['running'] })).toEqual({
      service: ['web'],
      node: ['n1'],
      'desired-state': ['running'],
    });
  });
});

describe('secrets and configs', () => {
  const object = (data?: string): EngineSwarmObject => ({
    ID: 'o1',
    Spec: { Name: 'x', Labels: { a: 'b' }, ...(data !== undefined && { Data: data }) },
  });

  it('a secret never carries data, even if the engine sent some', () => {
    const secret = toSecret(object(Buffer.from('hunter2').toString('base64')));
    expect(JSON.stringify(secret)).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(JSON.stringify(secret)).not.toContain('hunter2');
    expect(secret).toEqual({ id: 'o1', name: 'x', labels: { a: 'b' }, driver: null });
  });

  it.each([
    ['text', Buffer.from('server { listen 80; }\n'), true, { data: 'server { listen 80; }\n', encoding: 'utf8', sizeBytes: 22 }],
    ['binary', Buffer.from([0xff, 0x00, 0xfe]), true, { data: '/wD+', encoding: 'base64', sizeBytes: 3 }],
    ['redacted', Buffer.from('a'), false, { data: null, encoding: 'utf8', sizeBytes: 1 }],
  ])('a config: %s', (_name, bytes, withData, expected) => {
    expect(toConfig(object(bytes.toString('base64')), withData)).toMatchObject(expected);
  });

  it.each([
    ['text', 'abc', 'utf8' as const, 3],
    ['base64', 'YWJj', 'base64' as const, 3],
    ['base64 with padding', 'YQ==', 'base64' as const, 1],
    ['not base64', 'a*bc', 'base64' as const, undefined],
    ['base64 of bad length', 'YWJ', 'base64' as const, undefined],
  ])('valueBytes: %s', (_name, value, encoding, length) => {
    expect(valueBytes(value, encoding)?.length).toBe(length);
  });

  it.each([
    ['secret', 'x'.repeat(500 * 1024 - 1), true],
    ['secret', 'x'.repeat(500 * 1024), false],
    ['config', 'x'.repeat(500 * 1024), true],
    ['config', 'x'.repeat(1000 * 1024), false],
    ['secret', '', false],
  ] as const)('checkedValue %s of %#: ok %s, and a refusal never quotes the value', (kind, value, ok) => {
    if (ok) return expect(checkedValue(kind, { value }).length).toBe(value.length);
    let detail = '';
    try {
      checkedValue(kind, { value });
    } catch (error) {
      detail = JSON.stringify((error as { problem: unknown }).problem);
    }
    expect(detail).toContain('value');
    expect(detail).not.toContain('xxxx');
  });
});
