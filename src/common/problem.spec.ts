import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from './problem-codes.js';
import { ProblemException, codeForStatus, isProblem } from './problem.js';

describe('isProblem', () => {
  const notFound = new ProblemException(404, 'IMAGE_NOT_FOUND', 'No such image: x');
  it.each([
    ['that problem', notFound, true],
    ['another code', new ProblemException(404, 'CONTAINER_NOT_FOUND', 'No such container: x'), false],
    ['a plain object with that code', { code: 'IMAGE_NOT_FOUND' }, false],
    ['an Error', new Error('IMAGE_NOT_FOUND'), false],
    ['undefined', undefined, false],
  ])('%s → %s', (_case, error, expected) => {
    expect(isProblem(error, 'IMAGE_NOT_FOUND')).toBe(expected);
  });
});

describe('codeForStatus', () => {
  it.each([
    [400, 'BAD_REQUEST'],
    [404, 'NOT_FOUND'],
    [413, 'PAYLOAD_TOO_LARGE'],
    [418, 'BAD_REQUEST'],
    [500, 'INTERNAL_ERROR'],
    [503, 'SERVICE_UNAVAILABLE'],
    [504, 'INTERNAL_ERROR'],
  ])('%i → %s, a documented code', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
    expect(PROBLEM_CODES).toContain(code);
  });
});
