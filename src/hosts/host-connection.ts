import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { FieldError } from '../common/problem.js';
import { checkSshPrivateKey } from '../docker/ssh-dial-agent.js';
import { SshTransportError, parseKnownHostKeys } from '../docker/ssh-host-key.js';

/** A host id is its path segment: lowercase, digits and dashes, as a DNS label. */
export const HOST_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `local` is the built-in host (DOCKER_HOST); `all` names every host in fleet views (`?host=all`). */
export const RESERVED_HOST_IDS = ['local', 'all'];

/** PEM texts of a TLS client: the CA the engine's certificate must chain to, our certificate and its key. */
export interface HostTlsInput {
  ca: string;
  cert: string;
  key: string;
}

export interface HostSshInput {
  privateKey: string;
  knownHostKey: string;
}

/** How to reach an engine, as a body gives it (create, update merged with the record, or an unsaved test). */
export interface HostConnectionInput {
  url: string;
  plainHttp?: boolean;
  tls?: HostTlsInput | null;
  ssh?: HostSshInput | null;
}

/** A connection checked: exactly one of tls, ssh or plainHttp fits its url. */
export interface HostConnection {
  url: string;
  plainHttp: boolean;
  tls?: HostTlsInput;
  ssh?: HostSshInput;
}

/**
 * Checks how a host is reached, every field error at once: `tcp://host[:port]` with `tls` (or with
 * `plainHttp: true`, which the caller asks for knowingly), or `ssh://user@host[:port]` with `ssh`.
 * `unix://` is refused: the engine on Berth's own machine is `local`, and a record naming socket
 * paths would let the API probe the files of Berth's machine.
 */
export function checkHostConnection(input: HostConnectionInput): HostConnection | FieldError[] {
  const errors: FieldError[] = [];
  const scheme = urlScheme(input.url, errors);
  const tls = input.tls ?? undefined;
  const ssh = input.ssh ?? undefined;
  if (scheme === 'tcp') {
    if (ssh) errors.push({ field: 'ssh', message: 'ssh credentials go with an ssh:// url' });
    if (!tls && !input.plainHttp) {
      errors.push({
        field: 'tls',
        message: 'a tcp:// engine needs tls (ca, cert, key) as for `dockerd --tlsverify`; plain HTTP only with plainHttp: true',
      });
    }
    if (tls && input.plainHttp) errors.push({ field: 'plainHttp', message: 'give tls or plainHttp, not both' });
  } else if (scheme === 'ssh') {
    if (tls) errors.push({ field: 'tls', message: 'tls goes with a tcp:// url; ssh:// is encrypted by ssh' });
    if (input.plainHttp) errors.push({ field: 'plainHttp', message: 'plainHttp goes with a tcp:// url' });
    if (!ssh) errors.push({ field: 'ssh', message: 'an ssh:// url needs ssh (privateKey, knownHostKey)' });
  }
  if (tls) errors.push(...tlsErrors(tls));
  if (ssh) errors.push(...sshErrors(ssh));
  if (errors.length > 0) return errors;
  return { url: input.url, plainHttp: scheme === 'tcp' && !tls, ...(tls && { tls }), ...(ssh && { ssh }) };
}

function urlScheme(url: string, errors: FieldError[]): 'tcp' | 'ssh' | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    errors.push({ field: 'url', message: 'not a url: tcp://host:port or ssh://user@host[:port]' });
    return undefined;
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== 'tcp' && scheme !== 'ssh') {
    const why = scheme === 'unix' || scheme === 'npipe' ? ': the engine on this machine is the built-in host `local`' : '';
    errors.push({ field: 'url', message: `tcp://host:port or ssh://user@host[:port], not ${scheme}://${why}` });
    return undefined;
  }
  if (!parsed.hostname) errors.push({ field: 'url', message: 'the url names no host' });
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    errors.push({ field: 'url', message: 'no path, query or fragment: tcp://host:port or ssh://user@host[:port]' });
  }
  if (parsed.password) errors.push({ field: 'url', message: 'no password in the url: ssh logs in with ssh.privateKey' });
  if (scheme === 'tcp' && parsed.username) errors.push({ field: 'url', message: 'a tcp:// url has no user' });
  if (scheme === 'ssh' && !parsed.username) errors.push({ field: 'url', message: 'ssh://user@host[:port]: the user is missing' });
  return scheme;
}

function tlsErrors(tls: HostTlsInput): FieldError[] {
  const errors: FieldError[] = [];
  const certificate = (field: 'ca' | 'cert') => {
    try {
      return new X509Certificate(tls[field]);
    } catch {
      errors.push({ field: `tls.${field}`, message: 'not a PEM certificate (-----BEGIN CERTIFICATE-----)' });
      return undefined;
    }
  };
  certificate('ca');
  const cert = certificate('cert');
  let key;
  try {
    key = createPrivateKey(tls.key);
  } catch (error) {
    const encrypted = /passphrase|encrypted/i.test((error as Error).message) || /ENCRYPTED/.test(tls.key);
    errors.push({
      field: 'tls.key',
      message: encrypted ? 'a passphrase-protected key cannot be used: give it without passphrase' : 'not a PEM private key',
    });
  }
  if (cert && key && !cert.checkPrivateKey(key)) errors.push({ field: 'tls.key', message: 'this key does not belong to tls.cert' });
  return errors;
}

/** The keys checked by the ssh transport's own parsers, so that a record saved is one the transport can use. */
function sshErrors(ssh: HostSshInput): FieldError[] {
  const errors: FieldError[] = [];
  const keyProblem = sshPrivateKeyProblem(ssh.privateKey);
  if (keyProblem) errors.push({ field: 'ssh.privateKey', message: keyProblem });
  const hostKeyProblem = knownHostKeyProblem(ssh.knownHostKey);
  if (hostKeyProblem) errors.push({ field: 'ssh.knownHostKey', message: hostKeyProblem });
  return errors;
}

/** The transport's ERR_SSH_CONFIG words for what `check` refuses, or undefined. */
function sshConfigProblem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof SshTransportError)) throw error;
    return error.message.replace(/^ssh: /, '');
  }
}

/** Why an ssh private key cannot be used (OpenSSH, PEM or PPK, without passphrase), or undefined. */
export function sshPrivateKeyProblem(text: string): string | undefined {
  return sshConfigProblem(() => checkSshPrivateKey(text));
}

/** Why a pinned host key is not one (a public key line, a known_hosts line or `ssh-keyscan` output), or undefined. */
export function knownHostKeyProblem(text: string): string | undefined {
  return sshConfigProblem(() => parseKnownHostKeys(text));
}

/** The user of an ssh:// url. */
export function sshUser(url: string): string {
  return decodeURIComponent(new URL(url).username);
}
