import { describe, expect, it } from 'vitest';
import { parseResize } from './terminal-frames.js';

describe('parseResize', () => {
  it('reads Kubernetes {Width, Height} and refuses nonsense', () => {
    expect(parseResize(Buffer.from('{"Width":80,"Height":24}'))).toEqual({ width: 80, height: 24 });
    expect(parseResize(Buffer.from('{"width":80,"height":24}'))).toEqual({ width: 80, height: 24 });
    for (const bad of [
      '{"Width":0,"Height":24}',
      '{"Width":80.5,"Height":24}',
      '{"Width":"80","Height":24}',
      'nope',
      '[]',
      '{"Width":1e9,"Height":1}',
    ]) {
      expect(parseResize(Buffer.from(bad))).toBeNull();
    }
  });
});
