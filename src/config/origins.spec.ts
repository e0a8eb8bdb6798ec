import { describe, expect, it } from 'vitest';
import { isOriginList, originAllowed, parseOrigins } from './origins.js';

describe('isOriginList', () => {
  it.each([
    ['https://dash.example.com', true],
    ['http://localhost:3000', true],
    ['http://127.0.0.1:8081, https://dash.example.com', true],
    ['http://[::1]:3000', true],
    ['HTTPS://Dash.Example.com', true],
    ['*', false],
    ['https://*.example.com', false],
    ['dash.example.com', false],
    ['https://dash.example.com/', false],
    ['https://dash.example.com/app', false],
    ['https://user@dash.example.com', false],
    ['ftp://dash.example.com', false],
    ['https://dash.example.com:99999', false],
    ['https://dash.example.com,', false],
    ['null', false],
  ])('%j → %s', (list, valid) => {
    expect(isOriginList(list)).toBe(valid);
  });
});

describe('parseOrigins', () => {
  it.each([
    ['https://dash.example.com', ['https://dash.example.com']],
    [' http://localhost:3000 ,https://a.example', ['http://localhost:3000', 'https://a.example']],
    ['HTTPS://Dash.Example.com:443', ['https://dash.example.com']],
    ['http://a.example,http://a.example', ['http://a.example']],
  ])('%j → %j', (list, origins) => {
    expect(parseOrigins(list)).toEqual(origins);
  });
});

describe('originAllowed', () => {
  const allowed = ['https://dash.example.com', 'http://localhost:3000'];
  it.each([
    [allowed, 'https://dash.example.com', true],
    [allowed, 'http://localhost:3000', true],
    [allowed, 'http://localhost:3001', false],
    [allowed, 'https://dash.example.com.evil.test', false],
    [allowed, 'http://dash.example.com', false],
    [allowed, 'null', false],
    [allowed, undefined, false],
    [[], 'https://dash.example.com', false],
    [[], undefined, false],
  ])('%j allows %j: %s', (list, origin, expected) => {
    expect(originAllowed(list, origin)).toBe(expected);
  });
});
