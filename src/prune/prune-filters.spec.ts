import { describe, expect, it } from 'vitest';
import { createdBefore, matchesLabels, parseLabelFilter, parseUntil, rfc3339Ns, unixSecondsNs } from './prune-filters.js';

describe('parseLabelFilter', () => {
  it.each([
    ['app', { key: 'app', op: 'has' }],
    ['app=web', { key: 'app', op: 'is', value: 'web' }],
    ['app!=web', { key: 'app', op: 'isNot', value: 'web' }],
    ['com.example/tier=a=b', { key: 'com.example/tier', op: 'is', value: 'a=b' }],
    ['app=', { key: 'app', op: 'is', value: '' }],
    ['app==', { key: 'app', op: 'is', value: '=' }],
  ])('reads %j', (text, filter) => {
    expect(parseLabelFilter(text)).toEqual(filter);
  });

  it.each(['', '=web', '!=web', '!app', 'app!', 'a b=c', ' app', 'app=a\nb'])('refuses %j', (text) => {
    expect(parseLabelFilter(text)).toBeUndefined();
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each<[string, string[], boolean]>([
    ['no filter', [], true],
    ['has the key', ['app'], true],
    ['lacks the key', ['db'], false],
    ['has the value', ['app=web'], true],
    ['another value', ['app=db'], false],
    ['!= another value', ['app!=db'], true],
    ['!= its value', ['app!=web'], false],
    ['!= on a missing label', ['db!=x'], true],
    ['all must match', ['app=web', 'tier=back'], false],
  ])('%s', (_name, filters, expected) => {
    expect(
      matchesLabels(
        labels,
        filters.map((f) => parseLabelFilter(f)!),
      ),
    ).toBe(expected);
  });

  it('treats null labels as none', () => {
    expect(matchesLabels(null, [parseLabelFilter('a!=b')!])).toBe(true);
    expect(matchesLabels(null, [parseLabelFilter('a')!])).toBe(false);
  });
});

describe('until', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each<[string, string, boolean]>([
    ['created before a duration ago', '24h', true],
    ['created after a duration ago', '48h', false],
    ['created before an RFC 3339 time', '2026-11-26T00:00:00Z', true],
    ['created after unix seconds', String(Date.parse('2026-11-25T00:00:00Z') / 1000), false],
  ])('%s (%s)', (_name, text, expected) => {
    const created = unixSecondsNs(Date.parse('2026-11-25T10:00:00Z') / 1000);
    expect(createdBefore(created, parseUntil(text, now))).toBe(expected);
  });

  it('keeps what has no known creation time when an until is given', () => {
    expect(createdBefore(undefined, 1n)).toBe(false);
    expect(createdBefore(undefined, undefined)).toBe(true);
  });

  it('refuses what is not a time', () => {
    expect(parseUntil('yesterday')).toBeUndefined();
  });

  it('reads the engine RFC 3339 times to the nanosecond', () => {
    expect(rfc3339Ns('2026-11-25T10:00:00.000000001Z')).toBe(1795600800000000001n);
  });
});
