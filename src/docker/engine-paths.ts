import type Docker from 'dockerode';
import nativeHttp from 'node:http';
import nativeHttps from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ProblemException } from '../common/problem.js';

/**
 * One id, name or image reference as a single engine path segment. dockerode pastes them into
 * paths as they are, so `../../info?a=` would climb out of `/containers/` and end the path.
 * Encoding is not enough on its own: the engine decodes before it cleans, so `.` and `..`
 * (and the empty segment) would still move the path; those can name nothing and stop here.
 */
export function pathSegment(value: string): string {
  const text = String(value);
  if (text === '' || text.split('/').some((part) => part === '.' || part === '..' || part === '')) {
    throw new ProblemException(404, 'NOT_FOUND', `No such object: ${text.slice(0, 128)}`);
  }
  return encodeURIComponent(text);
}

/** dockerode's getters whose first argument becomes a path segment. */
const ID_GETTERS = [
  'getContainer',
  'getImage',
  'getExec',
  'getVolume',
  'getNetwork',
  'getPlugin',
  'getService',
  'getTask',
  'getNode',
  'getSecret',
  'getConfig',
] as const;

/** The same client, with every id a getter takes encoded by pathSegment: one place for all calls. */
export function withEncodedIds(docker: Docker): Docker {
  const getters = docker as unknown as Record<(typeof ID_GETTERS)[number], (id: string, ...rest: unknown[]) => unknown>;
  for (const name of ID_GETTERS) {
    const original = getters[name].bind(docker);
    getters[name] = (id, ...rest) => original(pathSegment(id), ...rest);
  }
  return docker;
}

/**
 * docker-modem sends its requests through a follow-redirects wrapper: a 3xx from the engine
 * (which is what a path with `..` gets) made it GET whatever `Location` named, any host, with
 * no error listener on that request. Its requests go out through node's own clients instead,
 * so a 3xx is an answer like any other: not in the call's expected statuses, an engine error.
 */
export function refuseEngineRedirects(): void {
  // The very module instance dockerode's modem uses, wherever the package manager put it.
  const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));
  const modemHttp = fromDockerode(join(dirname(fromDockerode.resolve('docker-modem')), 'http.js')) as Record<string, unknown>;
  modemHttp.http = nativeHttp;
  modemHttp.https = nativeHttps;
}
