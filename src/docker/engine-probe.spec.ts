import { describe, expect, it } from 'vitest';
import { EngineHttpError } from './engine-errors.js';
import { probeFailure } from './engine-probe.js';
import { type SshErrorCode, SshTransportError, hostKeyMismatch } from './ssh-host-key.js';

const coded = (code: string) => Object.assign(new Error(code), { code });
const ssh = (code: SshErrorCode, message: string, exitCode?: number) => new SshTransportError(code, message, exitCode);
/** ed25519 key blobs: the type string, then 32 bytes. */
const blob = (fill: number) => {
  const type = Buffer.from('ssh-ed25519');
  return Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, fill)]);
};
const pinned = { type: 'ssh-ed25519', blob: blob(1) };
const other = blob(2);

describe('probeFailure', () => {
  it.each([
    ['a wrong CA', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /not signed by the CA/],
    ['a certificate for another address', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /wrong host name/],
    ['TLS to a plain HTTP port', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', /does not speak TLS/],
    ['our client certificate refused', coded('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), 'auth', /refused our client certificate/],
    ['our client CA unknown', coded('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), 'auth', /does not trust the CA/],
    ['no client certificate', coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'auth', /requires a client certificate/],
    [
      'a changed ssh host key',
      hostKeyMismatch('h:22', [pinned], other),
      'host-key',
      /expected ssh-ed25519 SHA256:\S+, received ssh-ed25519 SHA256:/,
    ],
    [
      'an ssh key refused',
      ssh('ERR_SSH_AUTH', "the ssh server of h:22 refused the key of user 'berth'"),
      'auth',
      /refused the key of user 'berth'/,
    ],
    [
      'no docker CLI on the ssh host',
      ssh('ERR_SSH_DIAL_STDIO', 'failed (exit 127): sh: docker: not found', 127),
      'not-docker',
      /docker: not found/,
    ],
    [
      "no access to the ssh host's socket",
      ssh('ERR_SSH_DIAL_STDIO', 'failed (exit 1): permission denied', 1),
      'unreachable',
      /permission denied/,
    ],
    [
      'an unusable ssh record',
      ssh('ERR_SSH_CONFIG', 'ssh: the private key is unusable (x)'),
      'unreachable',
      /^ssh: the private key is unusable/,
    ],
    [
      'an ssh handshake failure',
      Object.assign(new Error('Handshake failed: no matching cipher'), { level: 'handshake' }),
      'unreachable',
      /^ssh: Handshake failed/,
    ],
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
