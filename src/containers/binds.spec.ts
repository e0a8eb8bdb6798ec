import { describe, expect, it } from 'vitest';
import { parseBind } from './binds.js';

describe('parseBind (-v syntax)', () => {
  it.each([
    ['/data', { kind: 'anonymous', target: '/data' }],
    ['/data:ro', { kind: 'anonymous', target: '/data', mode: 'ro' }],
    ['cache:/cache', { kind: 'volume', source: 'cache', target: '/cache' }],
    ['/srv/app:/app:ro,z', { kind: 'bind', source: '/srv/app', target: '/app', mode: 'ro,z' }],
  ])('reads %s', (spec, parsed) => {
    expect(parseBind(spec)).toEqual(parsed);
  });

  it.each(['data', './rel:/x', '/a:rel', '/a:/', 'v:/x:rx', 'a:b:c:d', 'bad name!:/x'])('rejects %s with a reason', (spec) => {
    expect(typeof parseBind(spec)).toBe('string');
  });
});
