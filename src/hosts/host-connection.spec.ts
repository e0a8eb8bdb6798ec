import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
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
const opensshKey = ssh2.utils.generateKeyPairSync('ed25519').private;
const encryptedKey = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'secret', cipher: 'aes256-ctr', rounds: 2 }).private;
const pkcs1Key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ssh = { privateKey: opensshKey, knownHostKey: hostKey() };

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
    ['a bad host key', { url: 'ssh://u@h', ssh: { ...ssh, knownHostKey: 'ssh-ed25519 nope!' } }, 'ssh.knownHostKey', /not base64/],
  ])('refuses %s, naming the field', (_, input, field, message) => {
    const errors = checkHostConnection(input);
    expect(Array.isArray(errors)).toBe(true);
    expect(errors).toContainEqual({ field, message: expect.stringMatching(message) });
  });
});

describe('ssh keys', () => {
  it.each([
    ['an unencrypted OpenSSH key', opensshKey, undefined],
    ['a passphrase-protected OpenSSH key', encryptedKey, /passphrase/],
    ['a PEM (PKCS#1) RSA key', pkcs1Key, undefined],
    // ssh2, which logs in with it, does not read PKCS#8: refused here rather than at every call.
    ['a PKCS#8 PEM key', TEST_KEY, /unusable/],
    ['a public key', hostKey(), /not one private key|unusable/],
    ['text', 'hello', /unusable/],
  ])('private key: %s', (_, key, problem) => {
    const found = sshPrivateKeyProblem(key);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it.each([
    ['an ed25519 key with a comment', `${hostKey()} root@box`, undefined],
    ['a key whose data is of another type', hostKey().replace(/^ssh-ed25519/, 'ssh-rsa'), /not an ssh-rsa key/],
    // What ssh-keyscan prints and known_hosts holds: the transport pins these too.
    ['a known_hosts line with the host first', `box ${hostKey()}`, undefined],
    ['ssh-keyscan output with its comment', `# box:22 SSH-2.0-OpenSSH_9.6\nbox ${hostKey()}`, undefined],
    ['a marker line', `@revoked box ${hostKey()}`, /marker/],
    ['nothing', '  ', /empty/],
  ])('host key: %s', (_, key, problem) => {
    const found = knownHostKeyProblem(key);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});
