import { describe, expect, it } from 'vitest';
import { fakeEngine, fakeHosts } from './engine-testing.js';

describe('fakeEngine', () => {
  it('answers with the methods it was given and throws for any other', async () => {
    const engine = fakeEngine({ ping: async () => 'OK' });
    await expect(engine.ping()).resolves.toBe('OK');
    expect(() => engine.info()).toThrow('engine fake: info is not faked');
    expect(fakeHosts(engine).get('local')).toBe(engine);
  });
});
