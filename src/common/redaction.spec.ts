import { describe, expect, it } from 'vitest';
import { redactCommandLine, redactEnv, redactsFor } from './redaction.js';

describe('redactsFor', () => {
  it.each([
    [true, 'viewer', true],
    [true, undefined, true],
    [true, 'operator', false],
    [true, 'admin', false],
    [false, 'viewer', false],
    [false, undefined, false],
  ] as const)('enabled=%s, role %s → %s', (enabled, role, redacts) => {
    expect(redactsFor(enabled, role)).toBe(redacts);
  });
});

describe('redactEnv', () => {
  it.each([
    [['SECRET=s3cret'], ['SECRET=<redacted>']],
    [
      ['PATH=/usr/bin:/bin', 'EMPTY=', 'URL=postgres://u:p@db/x?a=b'],
      ['PATH=<redacted>', 'EMPTY=<redacted>', 'URL=<redacted>'],
    ],
    // A bare key (inherited, no value) has nothing to hide.
    [['INHERITED'], ['INHERITED']],
    [[], []],
  ])('%j → %j', (entries, redacted) => {
    expect(redactEnv(entries)).toEqual(redacted);
  });
});

describe('redactCommandLine', () => {
  it.each([
    ['mysql -pS3cret db', 'mysql <redacted>'],
    ['sh -c echo s3cret', 'sh <redacted>'],
    ['/bin/sh', '/bin/sh'],
    ['top', 'top'],
    ['', ''],
  ])('%j → %j', (line, redacted) => {
    expect(redactCommandLine(line)).toBe(redacted);
  });
});
