import { describe, expect, it } from 'vitest';
import { hostKeyAlgorithms, hostKeyFingerprint, hostKeyMismatch, isPinned, parseKnownHostKeys } from './ssh-host-key.js';

// Public keys made with ssh-keygen for these tables; `ssh-keygen -lf` printed the fingerprints.
const A = 'AAAAC3NzaC1lZDI1NTE5AAAAIBlMzZJj51BUuArWe3+9jU0TJ57M5ppP5rWRu5LmHX6p';
const A_FINGERPRINT = 'SHA256:kULhU7NfX7QoIyF1QyQFyQMzagwk5BbOypRxBGqYAqE';
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAIJXaqAR2hEZFXiUGjpMIrjoItbKhi8o604buhZrKwZ+6';
const C =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOtYC3za9C/06uS1ajZowE8T77K1qVQK6X5ijkR+NHg7x6tn9RTwc7PsufbpL7c9nzfTZrcca7If0SkTDyDQRto=';
const C_FINGERPRINT = 'SHA256:d0BjhJAyxJy7fYROYbN6JXnJJGsh0xw96cnK/hh3IUQ';
const blob = (base64: string) => Buffer.from(base64, 'base64');

describe('parseKnownHostKeys', () => {
  it.each([
    ['a public key line', `ssh-ed25519 ${A} root@engine`, ['ssh-ed25519']],
    ['a public key line without comment', `ssh-ed25519 ${A}`, ['ssh-ed25519']],
    ['a known_hosts line', `10.231.0.2 ssh-ed25519 ${A}`, ['ssh-ed25519']],
    ['a known_hosts line with a port and aliases', `[engine]:2222,10.0.0.7 ssh-ed25519 ${A} c`, ['ssh-ed25519']],
    ['a hashed known_hosts line', `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${A}`, ['ssh-ed25519']],
    [
      'ssh-keyscan output with its comments',
      `# 10.0.0.7:22 SSH-2.0-OpenSSH_9.2p1\n10.0.0.7 ssh-ed25519 ${A}\r\n10.0.0.7 ecdsa-sha2-nistp256 ${C}\n`,
      ['ssh-ed25519', 'ecdsa-sha2-nistp256'],
    ],
  ])('reads %s', (_, text, types) => {
    const keys = parseKnownHostKeys(text);
    expect(keys.map((key) => key.type)).toEqual(types);
    expect(keys[0].blob.equals(blob(A))).toBe(true);
  });

  it.each([
    ['nothing', '', /empty/],
    ['only comments', '# nothing here\n\n', /empty/],
    ['no key type', `${A}`, /no supported key type/],
    ['an unsupported type', `ssh-dss ${A}`, /no supported key type/],
    ['a type far after the host patterns', `a b ssh-ed25519 ${A}`, /no supported key type/],
    ['a missing key', 'ssh-ed25519', /not base64/],
    ['a key that is not base64', 'ssh-ed25519 not*base64', /not base64/],
    ['a key of another type than its line says', `ssh-rsa ${A}`, /not an ssh-rsa key/],
    ['a truncated key', `ssh-ed25519 AAAAC3Nz`, /not an ssh-ed25519 key/],
    ['a revoked marker', `@revoked * ssh-ed25519 ${A}`, /marker \(@revoked\)/],
    ['a certificate authority marker', `@cert-authority * ssh-ed25519 ${A}`, /marker \(@cert-authority\)/],
    ['one good line and one bad', `ssh-ed25519 ${A}\nssh-ed25519 garbage!`, /not base64/],
  ])('refuses %s with ERR_SSH_CONFIG', (_, text, message) => {
    expect(() => parseKnownHostKeys(text)).toThrow(message);
    expect(() => parseKnownHostKeys(text)).toThrow(expect.objectContaining({ code: 'ERR_SSH_CONFIG' }));
  });
});

describe('host key pinning', () => {
  const pinned = parseKnownHostKeys(`ssh-ed25519 ${A}`);

  it.each([
    ['the pinned key', blob(A), true],
    ['another ed25519 key', blob(B), false],
    ['a key of another type', blob(C), false],
    ['the pinned key with a byte more', Buffer.concat([blob(A), Buffer.from([0])]), false],
    ['the pinned key cut short', blob(A).subarray(0, 40), false],
    ['nothing', Buffer.alloc(0), false],
  ])('%s: %s', (_, received, accepted) => {
    expect(isPinned(pinned, received)).toBe(accepted);
  });

  it.each([
    [A, A_FINGERPRINT],
    [C, C_FINGERPRINT],
  ])('fingerprints %s as ssh-keygen does', (key, fingerprint) => {
    expect(hostKeyFingerprint(blob(key))).toBe(fingerprint);
  });

  it.each([
    [`ssh-ed25519 ${A}`, ['ssh-ed25519']],
    [`ecdsa-sha2-nistp256 ${C}\nssh-ed25519 ${A}\nssh-ed25519 ${B}`, ['ecdsa-sha2-nistp256', 'ssh-ed25519']],
  ])('offers only the pinned types for %s', (text, algorithms) => {
    expect(hostKeyAlgorithms(parseKnownHostKeys(text))).toEqual(algorithms);
  });

  it('names both fingerprints when the host shows another key', () => {
    const error = hostKeyMismatch('10.231.0.2:22', pinned, blob(B));
    expect(error.code).toBe('ERR_SSH_HOST_KEY_MISMATCH');
    expect(error.message).toContain(`expected ssh-ed25519 ${A_FINGERPRINT}`);
    expect(error.message).toContain(`received ssh-ed25519 ${hostKeyFingerprint(blob(B))}`);
    expect(error.message).toContain('10.231.0.2:22');
  });

  it('says so when the host has none of the pinned types', () => {
    expect(hostKeyMismatch('h:22', pinned).message).toMatch(/received none of the pinned key types/);
  });
});
