import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { connectionOptions } from './engine-calls.js';
import { SshDialAgent, asSocket, sshTarget } from './ssh-dial-agent.js';

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const knownHostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlMzZJj51BUuArWe3+9jU0TJ57M5ppP5rWRu5LmHX6p';
const ssh = { privateKey, knownHostKey };

describe('sshTarget', () => {
  it.each([
    ['ssh://berth@10.231.0.2', { host: '10.231.0.2', port: 22, username: 'berth' }],
    ['ssh://berth@engine.example:2222', { host: 'engine.example', port: 2222, username: 'berth' }],
    ['ssh://ops%2Bci@[fd00::7]:22/', { host: 'fd00::7', port: 22, username: 'ops+ci' }],
  ])('reads %s', (url, expected) => {
    const target = sshTarget(url, ssh);
    expect(target).toMatchObject(expected);
    expect(target.pinned.map((key) => key.type)).toEqual(['ssh-ed25519']);
  });

  it.each([
    ['not a url', 'ssh:', ssh, /is not ssh:\/\/user@host/],
    ['another scheme', 'tcp://berth@h:22', ssh, /is not ssh:\/\/user@host/],
    ['no user', 'ssh://10.231.0.2', ssh, /names no user/],
    ['a password', 'ssh://berth:secret@h', ssh, /password in the url/],
    ['a path', 'ssh://berth@h/var/run/docker.sock', ssh, /has a path/],
    ['no credentials', 'ssh://berth@h', undefined, /needs a private key and the pinned host key/],
    ['a private key that is not one', 'ssh://berth@h', { ...ssh, privateKey: 'nope' }, /private key is unusable/],
    ['a public key for a private one', 'ssh://berth@h', { ...ssh, privateKey: knownHostKey }, /private key/],
    ['no pinned host key', 'ssh://berth@h', { ...ssh, knownHostKey: '' }, /pinned host key is empty/],
  ])('refuses %s with ERR_SSH_CONFIG', (_, url, credentials, message) => {
    expect(() => sshTarget(url, credentials)).toThrow(message);
    expect(() => sshTarget(url, credentials)).toThrow(expect.objectContaining({ code: 'ERR_SSH_CONFIG' }));
  });
});

describe('connectionOptions for ssh://', () => {
  it('speaks HTTP through a keep-alive ssh agent', () => {
    const { agent, ...options } = connectionOptions('ssh://berth@10.231.0.2:2222', undefined, ssh) as Record<string, unknown>;
    expect(options).toEqual({ host: '10.231.0.2', port: 2222, protocol: 'http' });
    expect(agent).toBeInstanceOf(SshDialAgent);
    expect((agent as SshDialAgent & { keepAlive: boolean }).keepAlive).toBe(true);
  });

  it('fails each request, not the construction, when the record is unusable', async () => {
    const { agent } = connectionOptions('ssh://10.231.0.2', undefined, ssh) as { agent: SshDialAgent };
    const error = await new Promise<Error>((resolve) =>
      agent.createConnection({}, (failure) => {
        if (failure) resolve(failure);
      }),
    );
    expect(error).toMatchObject({ code: 'ERR_SSH_CONFIG' });
    expect(error.message).toMatch(/names no user/);
  });
});

describe('a dial-stdio session as a socket', () => {
  const session = () => {
    const channel = Object.assign(new PassThrough(), { stderr: new PassThrough() });
    const socket = asSocket(channel as unknown as ClientChannel, 'berth@h:22');
    const errors: Array<Error & { code?: string }> = [];
    socket.on('error', (error) => errors.push(error));
    return { channel, socket, errors };
  };

  it.each([
    [127, 'sh: 1: docker: not found\n', /failed on berth@h:22 \(exit 127\): sh: 1: docker: not found$/],
    [1, 'permission denied while trying to connect to the Docker daemon socket', /\(exit 1\): permission denied/],
    [1, '', /\(exit 1\): no output/],
  ])('fails the request waiting on it when dial-stdio exits %i, with its words', (code, stderr, message) => {
    const { channel, errors } = session();
    channel.stderr.write(stderr);
    channel.emit('exit', code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_SSH_DIAL_STDIO', exitCode: code });
    expect(errors[0].message).toMatch(message);
  });

  it('says nothing when dial-stdio ends well (the engine closed an idle connection)', () => {
    const { channel, errors } = session();
    channel.emit('exit', 0);
    expect(errors).toEqual([]);
  });

  it("passes for a socket in Node's http client and agent", () => {
    const { socket } = session();
    for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref'] as const) {
      expect((socket as unknown as Record<string, () => unknown>)[method]()).toBe(socket);
    }
  });
});
