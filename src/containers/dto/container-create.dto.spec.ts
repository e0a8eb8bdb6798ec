import { describe, expect, it } from 'vitest';
import { ContainerCreateDto, createRequestProblems } from './container-create.dto.js';

describe('createRequestProblems: networks', () => {
  it.each<[string, Partial<ContainerCreateDto>, string[]]>([
    ['one user network', { networks: [{ name: 'back', aliases: ['db'] }] }, []],
    ['two user networks', { networks: [{ name: 'front' }, { name: 'back' }] }, []],
    ['network and networks together', { network: 'bridge', networks: [{ name: 'back' }] }, ['networks']],
    ['an empty list', { networks: [] }, ['networks']],
    ['a mode', { networks: [{ name: 'host' }] }, ['networks[0].name']],
    ['the default bridge', { networks: [{ name: 'front' }, { name: 'bridge' }] }, ['networks[1].name']],
    ['a joined container', { networks: [{ name: 'container:web' }] }, ['networks[0].name']],
    ['a network twice', { networks: [{ name: 'back' }, { name: 'back' }] }, ['networks[1].name']],
  ])('%s → %j', (_what, dto, fields) => {
    expect(createRequestProblems({ image: 'busybox', ...dto } as ContainerCreateDto).map((p) => p.field)).toEqual(fields);
  });
});
