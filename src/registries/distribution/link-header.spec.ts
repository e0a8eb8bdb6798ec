import { describe, expect, it } from 'vitest';
import { nextPageCursor } from './link-header.js';

describe('nextPageCursor', () => {
  it.each([
    ['absent', undefined, undefined],
    ['the registry:2 form', '</v2/_catalog?last=team%2Fapp&n=2>; rel="next"', 'team/app'],
    ['tags', '</v2/team/app/tags/list?n=100&last=1.0>; rel="next"', '1.0'],
    ['an absolute URL', '<https://r.example/v2/_catalog?n=5&last=b>; rel=next', 'b'],
    ['rel among others', '</v2/_catalog?last=a&n=1>; rel="prev", </v2/_catalog?last=z&n=1>; rel="next"', 'z'],
    ['no next', '</v2/_catalog?last=a&n=1>; rel="prev"', undefined],
    ['next without last', '</v2/_catalog?n=1>; rel="next"', undefined],
    ['garbage', 'not a link', undefined],
  ])('%s', (_name, header, expected) => {
    expect(nextPageCursor(header)).toBe(expected);
  });
});
