import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';
import { EngineTlsError, engineTlsFromEnv } from './engine-tls.js';
import { TEST_CERT as CERT, TEST_KEY as KEY } from './tls-testing.js';

const OTHER_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A fake file system: path → content, or an errno code the read fails with. */
function files(entries: Record<string, string>): (path: string) => Buffer {
  return (path) => {
    const entry = entries[path];
    if (entry === undefined || /^E[A-Z]+$/.test(entry)) throw Object.assign(new Error(path), { code: entry ?? 'ENOENT' });
    return Buffer.from(entry);
  };
}
const ALL = (dir: string) => ({ [`${dir}/ca.pem`]: CERT, [`${dir}/cert.pem`]: CERT, [`${dir}/key.pem`]: KEY });
const TCP = 'tcp://10.231.0.2:2376';
const HOME = '/home/op';

describe('engineTlsFromEnv', () => {
  it.each([
    [
      'DOCKER_TLS_VERIFY with DOCKER_CERT_PATH',
      { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      TCP,
      ALL('/certs'),
      { verify: true, certPath: '/certs', ca: true, cert: true },
    ],
    [
      'DOCKER_TLS_VERIFY, any value, as the CLI reads it',
      { DOCKER_TLS_VERIFY: 'yes', DOCKER_CERT_PATH: '/certs' },
      TCP,
      ALL('/certs'),
      { verify: true, certPath: '/certs', ca: true, cert: true },
    ],
    [
      'DOCKER_CERT_PATH unset: ~/.docker',
      { DOCKER_TLS_VERIFY: '1' },
      TCP,
      ALL(`${HOME}/.docker`),
      { verify: true, certPath: `${HOME}/.docker`, ca: true, cert: true },
    ],
    [
      'DOCKER_CONFIG before ~/.docker',
      { DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/cfg' },
      TCP,
      ALL('/cfg'),
      { verify: true, certPath: '/cfg', ca: true, cert: true },
    ],
    [
      'DOCKER_TLS alone: TLS without verification, ca.pem not read',
      { DOCKER_TLS: '1', DOCKER_CERT_PATH: '/certs' },
      TCP,
      ALL('/certs'),
      { verify: false, certPath: '/certs', ca: false, cert: true },
    ],
    [
      'DOCKER_TLS without a client certificate',
      { DOCKER_TLS: '1', DOCKER_CERT_PATH: '/certs' },
      TCP,
      {},
      { verify: false, certPath: '/certs', ca: false, cert: false },
    ],
    [
      'verification without a client certificate, as the CLI allows',
      { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' },
      TCP,
      { '/c/ca.pem': CERT },
      { verify: true, certPath: '/c', ca: true, cert: false },
    ],
    ['certificates present on :2376 without DOCKER_TLS*: plain HTTP', { DOCKER_CERT_PATH: '/certs' }, TCP, ALL('/certs'), undefined],
    [
      'a unix socket is unaffected',
      { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      'unix:///var/run/docker.sock',
      ALL('/certs'),
      undefined,
    ],
    ['nothing set: plain HTTP', {}, 'tcp://10.0.0.2:2375', {}, undefined],
  ])('%s', (_case, env, host, tree, expected) => {
    const tls = engineTlsFromEnv(env, host, files(tree), HOME);
    if (expected === undefined) return expect(tls).toBeUndefined();
    expect({ verify: tls?.verify, certPath: tls?.certPath, ca: Boolean(tls?.ca), cert: Boolean(tls?.cert && tls.key) }).toEqual(expected);
  });

  it.each([
    ['ca.pem missing', { '/c/cert.pem': CERT, '/c/key.pem': KEY }, /cannot read \/c\/ca\.pem \(ENOENT\)/],
    ['ca.pem unreadable', { ...ALL('/c'), '/c/ca.pem': 'EACCES' }, /cannot read \/c\/ca\.pem \(EACCES\)/],
    ['key.pem unreadable', { ...ALL('/c'), '/c/key.pem': 'EACCES' }, /cannot read \/c\/key\.pem \(EACCES\)/],
    ['key.pem missing', { '/c/ca.pem': CERT, '/c/cert.pem': CERT }, /\/c\/key\.pem is missing/],
    ['cert.pem missing', { '/c/ca.pem': CERT, '/c/key.pem': KEY }, /\/c\/cert\.pem is missing/],
    ['a key that is not the certificate’s', { ...ALL('/c'), '/c/key.pem': OTHER_KEY }, /certificates in \/c .* not usable/],
    ['a ca.pem that is no certificate', { ...ALL('/c'), '/c/ca.pem': 'hello' }, /certificates in \/c .* not usable/],
  ])('refuses to start: %s', (_case, tree, message) => {
    const read = () => engineTlsFromEnv({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' }, TCP, files(tree), HOME);
    expect(read).toThrow(EngineTlsError);
    expect(read).toThrow(message);
  });

  it('stops loadConfig with a ConfigError naming the file', () => {
    expect(() => loadConfig({ DOCKER_HOST: TCP, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent/berth-certs' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ DOCKER_HOST: TCP, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent/berth-certs' })).toThrow(
      /\/nonexistent\/berth-certs\/ca\.pem/,
    );
  });
});
