import { describe, expect, it } from 'vitest';
import { prototypeFields } from './strict-query.interceptor.js';

describe('prototypeFields', () => {
  it.each([
    ['', []],
    ['all=true&label=a', []],
    ['constructor=1', ['constructor']],
    ['constructor[prototype][all]=true', ['constructor']],
    ['__proto__[x]=1&label=a', ['__proto__']],
    ['%5F%5Fproto%5F%5F[x]=1', ['__proto__']],
    ['hasOwnProperty=1&hasOwnProperty=2&toString', ['hasOwnProperty', 'toString']],
    ['constructorx=1&my_constructor=1&label=constructor', []],
  ])('%j: %j', (query, fields) => {
    expect(prototypeFields(query)).toEqual(fields);
  });
});
