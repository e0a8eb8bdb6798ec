import { describe, expect, it } from 'vitest';
import { engineTime, parseTime } from './timestamps.js';

describe('parseTime', () => {
  it('reads engine timestamps to the nanosecond', () => {
    expect(parseTime('2026-11-25T10:00:00.000000001Z')).toBe(1795600800000000001n);
    expect(parseTime('2026-11-25T10:00:01.5Z')).toBe(1795600801500000000n);
    expect(parseTime('2026-11-25T11:00:01+01:00')).toBe(1795600801000000000n);
  });

  it('reads unix seconds with a fraction', () => {
    expect(parseTime('1795600801.25')).toBe(1795600801250000000n);
    expect(parseTime('0')).toBe(0n);
  });

  it('refuses anything else', () => {
    for (const bad of ['yesterday', '2026-11-25', '2026-13-45T99:00:00Z', '1.2.3', '']) expect(parseTime(bad)).toBeNull();
  });

  it('writes the engine form', () => {
    expect(engineTime(1795600801000000042n)).toBe('1795600801.000000042');
  });
});
