import { describe, expect, it } from 'vitest';
import { failureReason, networkFailure } from './registry-failure.js';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('networkFailure', () => {
  it.each([
    ['connection refused', fetchFailed(coded('ECONNREFUSED')), 'unreachable', /refused/],
    ['DNS', fetchFailed(coded('ENOTFOUND')), 'unreachable', /does not resolve/],
    ['DNS, temporarily', fetchFailed(coded('EAI_AGAIN')), 'unreachable', /DNS/],
    [
      'several addresses refused',
      fetchFailed(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')])),
      'unreachable',
      /refused/,
    ],
    ['a timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'unreachable', /in time/],
    ['a connect timeout', fetchFailed(coded('UND_ERR_CONNECT_TIMEOUT')), 'unreachable', /timed out/],
    ['an unknown CA', fetchFailed(coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'tls', /unknown certificate authority/],
    ['a self-signed certificate', fetchFailed(coded('DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls', /self-signed/],
    ['an expired certificate', fetchFailed(coded('CERT_HAS_EXPIRED')), 'tls', /expired/],
    ['the wrong host', fetchFailed(coded('ERR_TLS_CERT_ALTNAME_INVALID')), 'tls', /another host name/],
    ['TLS to a plain HTTP port', fetchFailed(coded('EPROTO', 'ssl3_get_record:wrong version number')), 'tls', /does not speak TLS/],
    ['something else', fetchFailed(new Error('odd')), 'unreachable', /unreachable/],
  ])('%s → %s', (_name, error, reason, detail) => {
    const problem = networkFailure(error, 'the registry at https://r.example');
    expect(failureReason(problem)).toBe(reason);
    expect(problem.getStatus()).toBe(502);
    expect(problem.detail).toMatch(detail);
    expect(problem.detail).toContain('https://r.example');
  });

  it('reads no reason from other errors', () => {
    expect(failureReason(new Error('x'))).toBeUndefined();
  });
});
