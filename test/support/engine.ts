import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** The engine itself, to check what Berth did behind its back. Never used to fake anything. */
export const docker = new Docker();

export const TEST_IMAGE = 'berth-test/busybox:latest';
export const TEST_LABEL = 'berth.test';

/** Labels for everything a test file creates: the common one plus a run id for its own cleanup. */
export function testLabels(runId: string): Record<string, string> {
  return { [TEST_LABEL]: '1', 'berth.test.run': runId };
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `berth-test-${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Removes every container, image, network and volume a run labelled (on the first engine unless told which). */
export async function removeTestResources(runId: string, engine: Docker = docker): Promise<void> {
  const label = `berth.test.run=${runId}`;
  const containers = await engine.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map((c) =>
      engine
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const images = await engine.listImages({ filters: { label: [label] } });
  await Promise.all(
    images.map((i) =>
      engine
        .getImage(i.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  // After the containers: a network with endpoints or a mounted volume is refused.
  const networks = await engine.listNetworks({ filters: { label: [label] } });
  await Promise.all(
    networks.map((n) =>
      engine
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  const { Volumes: volumes } = await engine.listVolumes({ filters: { label: [label] } });
  await Promise.all(
    (volumes ?? []).map((v) =>
      engine
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
}

/** The Swarm services a test run labelled (on a manager: `docker service rm`); their tasks' containers go after. */
export async function removeTestServices(runId: string, engine: Docker): Promise<void> {
  const services = await engine.listServices({ filters: { label: [`berth.test.run=${runId}`] } });
  await Promise.all(
    services.map((s) =>
      engine
        .getService(s.ID)
        .remove()
        .catch(() => undefined),
    ),
  );
}

export interface RegistryCredentials {
  url: string;
  /** host:port, as in image references. */
  address: string;
  username: string;
  password: string;
}

/** The test registry's generated credentials, written by scripts/test-engine.sh. */
export function registryCredentials(): RegistryCredentials {
  const stateDir = process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test';
  const vars = Object.fromEntries(
    readFileSync(`${stateDir}/registry.env`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const url = vars.BERTH_TEST_REGISTRY_URL;
  return { url, address: new URL(url).host, username: vars.BERTH_TEST_REGISTRY_USERNAME, password: vars.BERTH_TEST_REGISTRY_PASSWORD };
}

/** host:port of the harness's anonymous registry (scripts/test-engine.sh), for pulls Berth makes without credentials. */
export function openRegistryAddress(): string {
  const stateDir = process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test';
  const line = readFileSync(`${stateDir}/registry.env`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('BERTH_TEST_OPEN_REGISTRY_URL='));
  if (!line) throw new Error('no anonymous test registry: run bash scripts/test-engine.sh');
  return new URL(line.slice(line.indexOf('=') + 1)).host;
}

export interface TlsTestEngine {
  /** DOCKER_HOST of the second engine (tcp://…:2376, --tlsverify), in its own network namespace. */
  dockerHost: string;
  /** DOCKER_CERT_PATH directories (ca.pem, cert.pem, key.pem): `client` is right; the others each get one thing wrong. */
  certPaths: { client: string; wrongCa: string; untrustedClient: string; expiredClient?: string };
  /** The second engine itself, to check what Berth did there. */
  docker: Docker;
}

/** The TLS engine scripts/test-engine.sh starts (details in tls-engine.env). */
export function tlsTestEngine(): TlsTestEngine {
  const stateDir = process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test';
  const vars = Object.fromEntries(
    readFileSync(`${stateDir}/tls-engine.env`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const dockerHost = vars.BERTH_TEST_TLS_DOCKER_HOST;
  const client = vars.BERTH_TEST_TLS_CERT_PATH_CLIENT;
  const url = new URL(dockerHost.replace(/^tcp:/, 'https:'));
  return {
    dockerHost,
    certPaths: {
      client,
      wrongCa: vars.BERTH_TEST_TLS_CERT_PATH_WRONG_CA,
      untrustedClient: vars.BERTH_TEST_TLS_CERT_PATH_UNTRUSTED_CLIENT,
      expiredClient: vars.BERTH_TEST_TLS_CERT_PATH_EXPIRED_CLIENT,
    },
    docker: new Docker({
      host: url.hostname,
      port: Number(url.port),
      protocol: 'https',
      ca: readFileSync(`${client}/ca.pem`),
      cert: readFileSync(`${client}/cert.pem`),
      key: readFileSync(`${client}/key.pem`),
    }),
  };
}

export interface SshTestEngine {
  /** ssh://user@10.231.0.2:22: an sshd in the TLS engine's namespace whose user's docker CLI reaches that engine. */
  url: string;
  /** The client key the sshd authorizes, and one it does not (OpenSSH text). */
  privateKey: string;
  unauthorizedPrivateKey: string;
  /** The sshd's host key as `ssh-keyscan` gives it (the one to pin), and a key it does not have. */
  hostKey: string;
  wrongHostKey: string;
}

/** The ssh host scripts/test-engine.sh starts (details in ssh-engine.env); its engine is tlsTestEngine()'s. */
export function sshTestEngine(): SshTestEngine {
  const stateDir = process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test';
  const vars = Object.fromEntries(
    readFileSync(`${stateDir}/ssh-engine.env`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const text = (path: string) => readFileSync(path, 'utf8').trim();
  return {
    url: vars.BERTH_TEST_SSH_URL,
    privateKey: text(vars.BERTH_TEST_SSH_PRIVATE_KEY),
    unauthorizedPrivateKey: text(vars.BERTH_TEST_SSH_UNAUTHORIZED_PRIVATE_KEY),
    hostKey: text(vars.BERTH_TEST_SSH_HOST_KEY),
    wrongHostKey: text(vars.BERTH_TEST_SSH_WRONG_HOST_KEY),
  };
}
