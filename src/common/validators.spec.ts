import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { QueryBoolean, QueryInt, QueryList } from './validators.js';

class Query {
  @QueryBoolean() flag?: unknown;
  @QueryInt() count?: unknown;
  @QueryInt({ unbounded: 'all' }) tail?: unknown;
  @QueryList() label?: unknown;
}

const converted = (query: Record<string, unknown>) => ({ ...plainToInstance(Query, query) });

describe('query conversions', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    ['yes', 'yes'],
    ['', ''],
    [
      ['true', 'false'],
      ['true', 'false'],
    ],
  ])('QueryBoolean: %j → %j (what is not a boolean stays, for @IsBoolean to name)', (value, expected) => {
    expect(converted({ flag: value }).flag).toEqual(expected);
  });

  it.each([
    ['10', 10],
    ['-3', -3],
    ['0', 0],
    ['1.5', '1.5'],
    ['0x10', '0x10'],
    ['1e2', '1e2'],
    [' 5', ' 5'],
    ['', ''],
    ['all', 'all'],
    [
      ['1', '2'],
      ['1', '2'],
    ],
  ])('QueryInt: %j → %j (what is not an integer stays, for @IsInt to name)', (value, expected) => {
    expect(converted({ count: value }).count).toEqual(expected);
  });

  it.each([
    ['all', undefined],
    ['20', 20],
    ['everything', 'everything'],
  ])('QueryInt with an unbounded word: %j → %j', (value, expected) => {
    expect(converted({ tail: value }).tail).toEqual(expected);
  });

  it.each([
    ['a', ['a']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
  ])('QueryList: %j → %j', (value, expected) => {
    expect(converted({ label: value }).label).toEqual(expected);
  });

  it("QueryList: a parameter repeated past the query parser's array limit is still the list, in order", () => {
    // The parser Berth sets (app.setup.ts): Express's "extended" one, qs with its arrayLimit of 20.
    const app = express().set('query parser', 'extended');
    const parse = app.get('query parser fn') as (query: string) => Record<string, unknown>;
    const parsed = parse(Array.from({ length: 25 }, (_, i) => `label=l${i}`).join('&'));
    expect(Array.isArray(parsed.label)).toBe(false);
    expect(converted(parsed).label).toEqual(Array.from({ length: 25 }, (_, i) => `l${i}`));
  });

  it('QueryList: an object with other keys stays one value, for the validators to refuse', () => {
    expect(converted({ label: { a: 'x' } }).label).toEqual([{ a: 'x' }]);
    expect(converted({ label: { 0: 'x', a: 'y' } }).label).toEqual([{ 0: 'x', a: 'y' }]);
    expect(converted({ label: {} }).label).toEqual([{}]);
  });
});
