import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import type { EngineNodeSpec } from '../docker/engine-swarm.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { SwarmService } from './swarm.service.js';

const outOfSequence = () => new ProblemException(409, 'SWARM_UPDATE_OUT_OF_SEQUENCE', 'update out of sequence');

/** A node whose version moves on each write; `failures` writes fail as if another client wrote first. */
function nodeEngine(failures: number) {
  let version = 10;
  let spec: EngineNodeSpec = { Role: 'manager', Availability: 'active', Labels: { zone: 'a' } };
  const writes: Array<{ version: number; spec: EngineNodeSpec }> = [];
  const engine = fakeEngine({
    inspectNode: async () => ({ ID: 'n1', Version: { Index: version }, Spec: spec }),
    updateNode: async (_id: string, at: number, next: EngineNodeSpec) => {
      writes.push({ version: at, spec: next });
      version++;
      if (writes.length <= failures) throw outOfSequence();
      spec = next;
    },
  });
  return { swarm: new SwarmService(fakeHosts(engine)), writes };
}

describe('SwarmService.updateNode', () => {
  it('writes the whole spec back at the version it read, with the change applied', async () => {
    const { swarm, writes } = nodeEngine(0);
    const node = await swarm.updateNode('local', 'n1', { availability: 'drain' });
    expect(writes).toEqual([{ version: 10, spec: { Role: 'manager', Availability: 'drain', Labels: { zone: 'a' } } }]);
    expect(node).toMatchObject({ id: 'n1', availability: 'drain', labels: { zone: 'a' } });
  });

  it('reads again and retries once when another write came first', async () => {
    const { swarm, writes } = nodeEngine(1);
    await expect(swarm.updateNode('local', 'n1', { labels: { zone: null } })).resolves.toMatchObject({ labels: {} });
    expect(writes.map((w) => w.version)).toEqual([10, 11]);
  });

  it('gives up with 409 SWARM_UPDATE_OUT_OF_SEQUENCE when it happens twice', async () => {
    const { swarm, writes } = nodeEngine(2);
    await expect(swarm.updateNode('local', 'n1', { availability: 'pause' })).rejects.toMatchObject({
      code: 'SWARM_UPDATE_OUT_OF_SEQUENCE',
    });
    expect(writes).toHaveLength(2);
  });
});
