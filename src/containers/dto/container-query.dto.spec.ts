import { describe, expect, it } from 'vitest';
import { ProblemException } from '../../common/problem.js';
import { createValidationPipe } from '../../common/validation.js';
import { StopQueryDto, stopTimeout } from './container-query.dto.js';

const pipe = createValidationPipe();
const parse = (query: Record<string, string>) => pipe.transform(query, { type: 'query', metatype: StopQueryDto }) as Promise<StopQueryDto>;

describe('stopTimeout: t as an alias of timeout (docker stop -t)', () => {
  it.each([
    [{}, undefined],
    [{ timeout: '5' }, 5],
    [{ t: '2' }, 2],
    [{ t: '0' }, 0],
    [{ timeout: '3', t: '3' }, 3],
  ])('%o → %s', async (query, expected) => {
    expect(stopTimeout(await parse(query))).toBe(expected);
  });

  it.each([
    [{ timeout: '3', t: '4' }, 't'],
    [{ t: 'soon' }, 't'],
    [{ t: '-1' }, 't'],
    [{ t: '3601' }, 't'],
  ])('%o → 400 naming %s', async (query, field) => {
    const error = await parse(query)
      .then(stopTimeout)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ProblemException);
    const problem = error as ProblemException;
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.problem.errors?.map((e) => e.field)).toContain(field);
  });
});
