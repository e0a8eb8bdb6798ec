import { describe, expect, it } from 'vitest';
import { nonJsonBodyType } from './json-body.interceptor.js';

describe('nonJsonBodyType', () => {
  it.each([
    [{ 'content-type': 'application/json', 'content-length': '20' }, undefined],
    [{ 'content-type': 'application/json; charset=utf-8', 'content-length': '20' }, undefined],
    [{ 'content-type': 'Application/JSON', 'transfer-encoding': 'chunked' }, undefined],
    [{ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '20' }, 'application/x-www-form-urlencoded'],
    [{ 'content-type': 'text/plain;charset=utf-8', 'content-length': '2' }, 'text/plain'],
    [{ 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' }, 'application/x-tar'],
    [{ 'content-length': '20' }, 'none'],
    // No body: nothing to refuse, whatever the header says.
    [{ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }, undefined],
    [{ 'content-type': 'text/plain' }, undefined],
    [{}, undefined],
  ])('%o → %s', (headers, expected) => {
    expect(nonJsonBodyType(headers)).toBe(expected);
  });
});
