import { createHash } from 'node:crypto';

/** A failure of the ssh transport, with the `code` callers (hosts' test, engine-errors) read. */
export class SshTransportError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
    /** dial-stdio's exit status on the host (ERR_SSH_DIAL_STDIO): 127 is the shell's "command not found". */
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'SshTransportError';
  }
}

export type SshErrorCode =
  /** The host showed another key than the pinned one: a changed host, or someone in between. */
  | 'ERR_SSH_HOST_KEY_MISMATCH'
  /** The server refused Berth's key for that user. */
  | 'ERR_SSH_AUTH'
  /** Berth's own record is unusable: the url, the private key or the pinned host key. */
  | 'ERR_SSH_CONFIG'
  /** Logged in, but `docker system dial-stdio` failed on the host (no docker CLI, no access to its socket). */
  | 'ERR_SSH_DIAL_STDIO';

/** One pinned host key: its algorithm and the key blob as the server sends it in the key exchange. */
export interface PinnedHostKey {
  type: string;
  blob: Buffer;
}

/** Host key types ssh2 verifies; what each lets the key exchange offer (an RSA key signs with SHA-2 too). */
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `SHA256:…` as `ssh-keygen -lf` and ssh's own warnings print it. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The first string inside a key blob: the key's own type, which the text's type must agree with. */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** One line as `ssh-keyscan` or known_hosts has it (hosts and markers before the type), or a bare public key line. */
function parseLine(line: string): PinnedHostKey {
  const fields = line.trim().split(/\s+/);
  if (fields[0]?.startsWith('@')) throw configError(`a known_hosts marker (${fields[0]}) cannot pin a host key`);
  const at = fields.findIndex((field) => field in HOST_KEY_ALGORITHMS);
  // The type comes first (a public key line) or second (after the known_hosts host patterns).
  if (at < 0 || at > 1)
    throw configError(`no supported key type in '${line.slice(0, 40)}' (${Object.keys(HOST_KEY_ALGORITHMS).join(', ')})`);
  const type = fields[at];
  const text = fields[at + 1] ?? '';
  if (!BASE64.test(text)) throw configError(`the ${type} key is not base64`);
  const blob = Buffer.from(text, 'base64');
  if (blobType(blob) !== type) throw configError(`the ${type} key's data is not an ${type} key`);
  return { type, blob };
}

/**
 * The host keys an ssh:// host is pinned to, from OpenSSH text: a public key line (`ssh-ed25519 AAAA… comment`),
 * a known_hosts line or `ssh-keyscan` output (`#` comments skipped). Throws ERR_SSH_CONFIG when none is usable.
 */
export function parseKnownHostKeys(text: string): PinnedHostKey[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (lines.length === 0) throw configError('the pinned host key is empty');
  return lines.map(parseLine);
}

/** The key exchange's host key algorithms: only the pinned keys' types, so the server shows one of them. */
export function hostKeyAlgorithms(pinned: PinnedHostKey[]): string[] {
  return [...new Set(pinned.flatMap((key) => HOST_KEY_ALGORITHMS[key.type]))];
}

/** Whether the key the server showed is one of the pinned ones, byte for byte. */
export function isPinned(pinned: PinnedHostKey[], received: Buffer): boolean {
  return pinned.some((key) => key.blob.equals(received));
}

/** The refusal of a host key that is not the pinned one, naming both fingerprints. */
export function hostKeyMismatch(where: string, pinned: PinnedHostKey[], received?: Buffer): SshTransportError {
  const expected = pinned.map((key) => `${key.type} ${hostKeyFingerprint(key.blob)}`).join(' or ');
  const shown = received ? `${blobType(received) ?? 'unknown'} ${hostKeyFingerprint(received)}` : 'none of the pinned key types';
  return new SshTransportError(
    'ERR_SSH_HOST_KEY_MISMATCH',
    `the ssh host key of ${where} is not the pinned one: expected ${expected}, received ${shown}; ` +
      'if the host was reinstalled, pin its new key (ssh-keyscan), otherwise something is in between',
  );
}

export function configError(why: string): SshTransportError {
  return new SshTransportError('ERR_SSH_CONFIG', `ssh: ${why}`);
}
