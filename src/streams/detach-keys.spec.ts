import { describe, expect, it } from 'vitest';
import { detachKeyBytes } from './detach-keys.js';

describe('detachKeyBytes', () => {
  it.each([
    ['ctrl-p,ctrl-q', [0x10, 0x11]],
    ['CTRL-P,Ctrl-Q', [0x10, 0x11]],
    ['ctrl-a,x', [0x01, 0x78]],
    ['ctrl-@', [0x00]],
    ['ctrl-\\,ctrl-_', [0x1c, 0x1f]],
    ['q', [0x71]],
  ])('%s → the bytes the engine watches for', (spec, bytes) => {
    expect([...detachKeyBytes(spec)!]).toEqual(bytes);
  });

  it.each([[''], ['ctrl-'], ['ctrl-1'], ['ctrl-p,,ctrl-q'], ['ctrl-p,'], ['esc'], ['é'], ['ctrl-pq'], [' ctrl-p']])(
    '%j is refused (the engine would refuse it inside the stream)',
    (spec) => {
      expect(detachKeyBytes(spec)).toBeNull();
    },
  );
});
