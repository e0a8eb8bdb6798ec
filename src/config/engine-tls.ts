import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

/** How Berth speaks TLS to a tcp:// engine: the files of DOCKER_CERT_PATH, read once at start. */
export interface EngineTls {
  /** Check the engine's certificate against `ca` and its address (DOCKER_TLS_VERIFY); off only with DOCKER_TLS alone. */
  verify: boolean;
  /** ca.pem: the CA the engine's certificate must chain to (read only when verifying). */
  ca?: Buffer;
  /** cert.pem and key.pem: the client certificate the engine checks (--tlsverify on its side); both or neither. */
  cert?: Buffer;
  key?: Buffer;
  /** The directory the files came from, for messages. */
  certPath: string;
}

/** A certificate file that is missing, unreadable or not a certificate: Berth does not start. */
export class EngineTlsError extends Error {}

type ReadFile = (path: string) => Buffer;

/**
 * The TLS settings of DOCKER_HOST as the docker CLI reads them: DOCKER_TLS_VERIFY set (any value) → TLS
 * checking the engine against ca.pem; DOCKER_TLS set alone → TLS without checking; neither → none (even on
 * :2376). Certificates come from DOCKER_CERT_PATH, else DOCKER_CONFIG, else ~/.docker. A unix socket has none.
 */
export function engineTlsFromEnv(
  env: NodeJS.ProcessEnv,
  dockerHost: string,
  readFile: ReadFile = readFileSync,
  home: string = homedir(),
): EngineTls | undefined {
  if (!dockerHost.startsWith('tcp://')) return undefined;
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS) return undefined;
  const certPath = env.DOCKER_CERT_PATH || env.DOCKER_CONFIG || join(home, '.docker');
  const read = (name: string, required: boolean): Buffer | undefined => {
    const path = join(certPath, name);
    try {
      return readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      if (code === 'ENOENT' && !required) return undefined;
      throw new EngineTlsError(`cannot read ${path} (${code}): DOCKER_TLS_VERIFY needs ca.pem in DOCKER_CERT_PATH`);
    }
  };
  const ca = verify ? read('ca.pem', true) : undefined;
  // As the CLI: a client certificate is optional, but half of one is a mistake.
  const cert = read('cert.pem', false);
  const key = read('key.pem', false);
  if (Boolean(cert) !== Boolean(key)) {
    throw new EngineTlsError(
      `${join(certPath, cert ? 'key.pem' : 'cert.pem')} is missing: a client certificate needs cert.pem and key.pem`,
    );
  }
  try {
    // A ca.pem without a certificate in it would be ignored, and every engine refused as unknown.
    if (ca) new X509Certificate(ca);
    createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new EngineTlsError(`the certificates in ${certPath} (ca.pem, cert.pem, key.pem) are not usable: ${(error as Error).message}`);
  }
  return { verify, certPath, ...(ca && { ca }), ...(cert && key && { cert, key }) };
}
