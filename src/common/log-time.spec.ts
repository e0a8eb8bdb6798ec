import { describe, expect, it } from 'vitest';
import { engineTime, parseLogTime, snapshotLogOptions } from './log-time.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const NOW_NS = BigInt(NOW) * 1_000_000n;
const S = 1_000_000_000n;

describe('parseLogTime', () => {
  it.each<[string, string, bigint]>([
    ['unix seconds', '1764072000', 1764072000n * S],
    ['unix seconds with a fraction', '1795600801.25', 1795600801250000000n],
    ['unix seconds to the nanosecond, more digits cut', '1795600801.0000000421', 1795600801000000042n],
    ['zero', '0', 0n],
    ['RFC 3339 to the nanosecond', '2026-11-25T10:00:00.000000001Z', 1795600800000000001n],
    ['RFC 3339 with a fraction', '2026-11-25T10:00:01.5Z', 1795600801500000000n],
    ['RFC 3339 with an offset', '2026-11-25T13:00:00+02:00', NOW_NS - 3600n * S],
    ['RFC 3339, lower case', '2026-11-25t11:00:00z', NOW_NS - 3600n * S],
    ['a duration in minutes', '10m', NOW_NS - 600n * S],
    ['a duration in hours and minutes', '1h30m', NOW_NS - 5400n * S],
    ['a duration in seconds with a fraction', '1.5s', NOW_NS - 1500n * 1_000_000n],
    ['a duration longer than the epoch is the epoch', '1000000h', 0n],
    ['a date', '2026-11-25', BigInt(Date.parse('2026-11-25')) * 1_000_000n],
  ])('reads %s: %s', (_name, text, expected) => {
    expect(parseLogTime(text, NOW)).toBe(expected);
  });

  it.each(['', 'yesterday', '10x', '2026-13-45T99:00:00Z', '-5', '1.2.3', 'm', '1h 30m'])('refuses %j', (text) => {
    expect(parseLogTime(text, NOW)).toBeNull();
  });
});

describe('engineTime', () => {
  it.each<[bigint, string]>([
    [1795600801000000042n, '1795600801.000000042'],
    [0n, '0.000000000'],
  ])('writes %s as %s', (ns, text) => {
    expect(engineTime(ns)).toBe(text);
  });
});

describe('snapshotLogOptions', () => {
  const base = { follow: false, stdout: true, stderr: true, timestamps: false };
  it.each([
    ['nothing given: the last 1000 lines of both streams', {}, { ...base, tail: 1000 }],
    ['tail=all: every line', { tail: 'all' }, base],
    [
      'tail=5, stderr only, timestamps',
      { tail: '5', stdout: false, timestamps: true },
      { ...base, tail: 5, stdout: false, timestamps: true },
    ],
    [
      'since and until in the engine form',
      { since: '2026-11-26T12:00:00Z', until: '1795694400.5' },
      { ...base, tail: 1000, since: '1795694400.000000000', until: '1795694400.500000000' },
    ],
  ])('%s', (_case, query, expected) => {
    expect(snapshotLogOptions(query)).toEqual(expected);
  });
});
