import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../config/tls-testing.js';
import { checkHostConnection, knownHostKeyProblem, sshPrivateKeyProblem } from './host-connection.js';

const tls = { ca: TEST_CERT, cert: TEST_CERT, key: TEST_KEY };
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** An ed25519 host key blob: its type string, then 32 bytes. */
const hostKey = (type = 'ssh-ed25519') => {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(32);
  return `${type} ${Buffer.concat([length, name, keyLength, Buffer.alloc(32, 7)]).toString('base64')}`;
};
const opensshKey = (cipher: string) => {
  const cipherName = Buffer.from(cipher);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(cipherName.length);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), length, cipherName, Buffer.alloc(40, 1)]).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
};
const ssh = { privateKey: opensshKey('none'), knownHostKey: hostKey() };

describe('checkHostConnection', () => {
  it.each([
    ['tcp with TLS', { url: 'tcp://10.0.0.12:2376', tls }],
    ['tcp on an IPv6 address', { url: 'tcp://[fd00::12]:2376', tls }],
    ['tcp in plain HTTP, asked for', { url: 'tcp://10.0.0.12:2375', plainHttp: true }],
    ['ssh with a user and a port', { url: 'ssh://berth@build.example.com:2222', ssh }],
  ])('takes %s', (_, input) => {
    expect(Array.isArray(checkHostConnection(input))).toBe(false);
  });

  it.each([
    ['a unix socket', { url: 'unix:///var/run/docker.sock' }, 'url', /built-in host `local`/],
    ['http://', { url: 'http://10.0.0.12:2375', plainHttp: true }, 'url', /not http:/],
    ['not a url', { url: 'docker host' }, 'url', /not a url/],
    ['a path', { url: 'tcp://10.0.0.12:2376/v1.41', tls }, 'url', /no path/],
    ['tcp without TLS', { url: 'tcp://10.0.0.12:2376' }, 'tls', /plainHttp: true/],
    ['TLS and plainHttp', { url: 'tcp://10.0.0.12:2376', tls, plainHttp: true }, 'plainHttp', /not both/],
    ['ssh without a user', { url: 'ssh://build.example.com', ssh }, 'url', /user is missing/],
    ['ssh with a password', { url: 'ssh://u:p@build.example.com', ssh }, 'url', /no password/],
    ['ssh without credentials', { url: 'ssh://berth@build.example.com' }, 'ssh', /needs ssh/],
    ['ssh with TLS', { url: 'ssh://berth@build.example.com', ssh, tls }, 'tls', /tcp:\/\//],
    ['tcp with ssh credentials', { url: 'tcp://10.0.0.12:2376', tls, ssh }, 'ssh', /ssh:\/\//],
    ['a CA that is not a certificate', { url: 'tcp://h:2376', tls: { ...tls, ca: 'nope' } }, 'tls.ca', /PEM certificate/],
    ['a cert that is not one', { url: 'tcp://h:2376', tls: { ...tls, cert: TEST_KEY } }, 'tls.cert', /PEM certificate/],
    ['a key that is not one', { url: 'tcp://h:2376', tls: { ...tls, key: 'nope' } }, 'tls.key', /PEM private key/],
    ['a key of another certificate', { url: 'tcp://h:2376', tls: { ...tls, key: otherKey } }, 'tls.key', /does not belong/],
    ['a bad host key', { url: 'ssh://u@h', ssh: { ...ssh, knownHostKey: 'ssh-ed25519 nope!' } }, 'ssh.knownHostKey', /ssh-keyscan/],
  ])('refuses %s, naming the field', (_, input, field, message) => {
    const errors = checkHostConnection(input);
    expect(Array.isArray(errors)).toBe(true);
    expect(errors).toContainEqual({ field, message: expect.stringMatching(message) });
  });
});

describe('ssh keys', () => {
  it.each([
    ['an unencrypted OpenSSH key', opensshKey('none'), undefined],
    ['a passphrase-protected OpenSSH key', opensshKey('aes256-ctr'), /passphrase/],
    ['a PEM key', TEST_KEY, undefined],
    ['text', 'hello', /not a private key/],
  ])('private key: %s', (_, key, problem) => {
    const found = sshPrivateKeyProblem(key);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it.each([
    ['an ed25519 key with a comment', `${hostKey()} root@box`, undefined],
    ['a key whose data is of another type', hostKey().replace(/^ssh-ed25519/, 'ssh-rsa'), /not a ssh-rsa key/],
    ['a known_hosts line with the host first', `box ${hostKey()}`, /ssh-keyscan/],
  ])('host key: %s', (_, key, problem) => {
    const found = knownHostKeyProblem(key);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});
