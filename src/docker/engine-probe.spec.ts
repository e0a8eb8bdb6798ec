import { describe, expect, it } from 'vitest';
import { EngineHttpError } from './engine-errors.js';
import { probeFailure } from './engine-probe.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('probeFailure', () => {
  it.each([
    ['a wrong CA', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /not signed by the CA/],
    ['a certificate for another address', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /wrong host name/],
    ['TLS to a plain HTTP port', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', /does not speak TLS/],
    ['our client certificate refused', coded('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), 'auth', /refused our client certificate/],
    ['our client CA unknown', coded('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), 'auth', /does not trust the CA/],
    ['no client certificate', coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'auth', /requires a client certificate/],
    ['a changed ssh host key', coded('ERR_SSH_HOST_KEY_MISMATCH'), 'host-key', /pinned/],
    ['an ssh key refused', coded('ERR_SSH_AUTH'), 'auth', /refused the private key/],
    ['a closed port', coded('ECONNREFUSED'), 'unreachable', /refused/],
    ['no route', coded('EHOSTUNREACH'), 'unreachable', /no route/],
    ['an unknown name', coded('ENOTFOUND'), 'unreachable', /does not resolve/],
    ['no answer in time', Object.assign(new Error('t'), { name: 'TimeoutError' }), 'unreachable', /in time/],
    ['plain HTTP to the TLS port', new EngineHttpError(400, 'Client sent an HTTP request to an HTTPS server.', 'x'), 'tls', /only TLS/],
    ['a web server', new EngineHttpError(404, '404 page not found', 'x'), 'not-docker', /not a Docker engine.*404/],
    ['anything else', new Error('?'), 'unreachable', /no answer/],
  ])('%s → %s', (_, error, reason, detail) => {
    const failure = probeFailure(error);
    expect(failure.reason).toBe(reason);
    expect(failure.detail).toMatch(detail);
  });
});
