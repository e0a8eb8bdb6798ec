import { describe, expect, it } from 'vitest';
import { redactBuildOutputLine, redactCommandLine, redactEnv, redactsFor } from './redaction.js';

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

describe('redactBuildOutputLine', () => {
  it.each([
    ['an ENV step', 'Step 3/4 : ENV SECRET_TOKEN=s3cret OTHER=x', 'Step 3/4 : ENV SECRET_TOKEN=<redacted> OTHER=<redacted>'],
    ['an ARG step with a default', 'Step 2/4 : ARG BUILD_TOKEN=default-s3cret', 'Step 2/4 : ARG BUILD_TOKEN=<redacted>'],
    ['a legacy ENV KEY value step', 'Step 2/3 : ENV TOKEN s3cret words', 'Step 2/3 : ENV TOKEN <redacted>'],
    ['a RUN step is kept (its build arguments are not in the step line)', 'Step 4/4 : RUN echo built', 'Step 4/4 : RUN echo built'],
    ['a FROM step is kept', 'Step 1/4 : FROM busybox', 'Step 1/4 : FROM busybox'],
    ["a step's output is kept", ' ---> Running in 0123abcd', ' ---> Running in 0123abcd'],
    ['a line mentioning ENV not as a step is kept', 'ENV SECRET=1 printed by RUN', 'ENV SECRET=1 printed by RUN'],
  ])('%s', (_name, line, expected) => {
    expect(redactBuildOutputLine(line)).toBe(expected);
  });
});
