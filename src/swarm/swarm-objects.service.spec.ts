import { describe, expect, it } from 'vitest';
import type { Principal } from '../common/principal.js';
import { AppConfig } from '../config/app-config.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { EngineSwarmObjectCreate, SwarmObjectKind } from '../docker/engine-swarm.js';
import { SwarmObjectsService } from './swarm-objects.service.js';

const principal = (role: Principal['role']) => ({ role }) as Principal;

function service(apiVersion: string) {
  const created: Array<{ kind: SwarmObjectKind; spec: EngineSwarmObjectCreate }> = [];
  const engine = fakeEngine({
    version: async () => ({ ApiVersion: apiVersion }),
    createSwarmObject: async (kind: SwarmObjectKind, spec: EngineSwarmObjectCreate) => {
      created.push({ kind, spec });
      return { id: 'o1' };
    },
    inspectSwarmObject: async () => ({ ID: 'c1', Spec: { Name: 'conf', Data: Buffer.from('listen 80;').toString('base64') } }),
  });
  return { objects: new SwarmObjectsService(fakeHosts(engine), new AppConfig({ viewerRedaction: true })), created };
}

describe('SwarmObjectsService', () => {
  it.each([
    ['secret', '1.24', 501],
    ['secret', '1.25', 201],
    ['config', '1.29', 501],
    ['config', '1.30', 201],
    ['config', '1.41', 201],
  ] as const)('a %s on API %s: %s', async (kind, apiVersion, status) => {
    const { objects, created } = service(apiVersion);
    const answer = objects.create('local', kind, { name: 'n', value: 'v' });
    if (status === 501) {
      await expect(answer).rejects.toMatchObject({ code: 'ENGINE_API_TOO_OLD', status: 501 });
      expect(created).toEqual([]);
    } else {
      await expect(answer).resolves.toEqual({ id: 'o1', name: 'n' });
    }
  });

  it('sends the value to the engine as base64 of its bytes, text or base64 alike', async () => {
    const { objects, created } = service('1.41');
    await objects.create('local', 'secret', { name: 'a', value: 'héllo' });
    await objects.create('local', 'secret', { name: 'b', value: '/wD+', encoding: 'base64' });
    expect(created.map((c) => c.spec)).toEqual([
      { Name: 'a', Labels: {}, Data: Buffer.from('héllo').toString('base64') },
      { Name: 'b', Labels: {}, Data: '/wD+' },
    ]);
  });

  it.each([
    ['viewer', null],
    ['operator', 'listen 80;'],
    ['admin', 'listen 80;'],
  ] as const)('a config read by a %s carries data %s', async (role, data) => {
    const { objects } = service('1.41');
    expect((await objects.inspectConfig('local', 'conf', principal(role))).data).toBe(data);
  });
});
