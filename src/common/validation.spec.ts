import { describe, expect, it } from 'vitest';
import { MAX_FIELD_ERRORS, validationFailed } from './validation.js';

const errors = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    field: `mounts[${i}].type`,
    message: 'type must be one of the following values: bind, volume, tmpfs',
  }));

describe('validationFailed', () => {
  it.each([
    [1, 1, 'Invalid input: mounts[0].type.'],
    [MAX_FIELD_ERRORS, MAX_FIELD_ERRORS, undefined],
    [MAX_FIELD_ERRORS + 1, MAX_FIELD_ERRORS, '(and 1 more errors).'],
    [40_001, MAX_FIELD_ERRORS, `(and ${40_001 - MAX_FIELD_ERRORS} more errors).`],
  ])('with %i field errors lists %i of them, and says how many it left out', (count, listed, detailEnd) => {
    const problem = validationFailed(errors(count));
    const body = problem.toBody('/x');
    expect(problem.getStatus()).toBe(400);
    expect(body.errors).toHaveLength(listed);
    if (detailEnd) expect(body.detail.endsWith(detailEnd)).toBe(true);
    else expect(body.detail).not.toContain('more errors');
    // The answer stays small whatever the request held.
    expect(JSON.stringify(body).length).toBeLessThan(20_000);
  });
});
