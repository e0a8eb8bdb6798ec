import { isIP } from 'node:net';
import type { RegistryKind } from './registry-access.js';

/** Docker Hub: the host references name it by, and where its Distribution API lives. */
export const DOCKER_HUB_HOST = 'docker.io';
export const DOCKER_HUB_API_URL = 'https://registry-1.docker.io';
/** Every name Docker Hub goes by; all of them are one record with host `docker.io`. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB_HOST, 'index.docker.io', 'registry-1.docker.io']);

/** What a registry `url` says once checked: the host references name it by and the base of its API. */
export interface RegistryLocation {
  host: string;
  apiUrl: string;
}

const LABEL = '(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])';
const HOST_PORT = new RegExp(`^(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::([0-9]{1,5}))?$`);

/**
 * A registry host as references name it, normalised for exact comparison: lowercase (DNS is not
 * case-sensitive), Docker Hub's three names as `docker.io`. Nothing else is rewritten: `localhost`
 * and `127.0.0.1` are different hosts to the engine, and so are `host` and `host:443`.
 */
export function normaliseRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB_HOST : lower;
}

/** The engine treats these as insecure registries by default (127.0.0.0/8, ::1), so it speaks http to them. */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && bare === '::1';
}

/**
 * Checks and normalises a registry `url`: an optional `http://` or `https://`, then `host[:port]`
 * and nothing else (one trailing `/` is forgiven). Without a scheme it is https, except for a
 * loopback host, which the engine reaches over plain http. Docker Hub's names become one.
 * Answers the reason as a string when the url is not acceptable.
 */
export function parseRegistryUrl(url: string): RegistryLocation | string {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  const scheme = schemeMatch?.[1].toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return `url scheme must be http or https, not ${scheme}`;
  const rest = (schemeMatch ? url.slice(schemeMatch[0].length) : url).replace(/\/$/, '');
  if (rest.includes('@')) return 'url must not hold credentials (user:password@): give username and password as their own fields';
  if (rest.includes('?')) return 'url must not have a query: give the registry as host[:port]';
  if (rest.includes('#')) return 'url must not have a fragment: give the registry as host[:port]';
  if (rest.includes('/')) return 'url must not have a path: give the registry as host[:port], e.g. registry.example.com:5000';
  const match = HOST_PORT.exec(rest.toLowerCase());
  if (!match) return 'url must be [http(s)://]host[:port], e.g. registry.example.com:5000 or https://ghcr.io';
  const [, hostname, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'url port must be 1 to 65535';
  if (hostname.startsWith('[') && isIP(hostname.slice(1, -1)) !== 6) return 'url has an invalid IPv6 address';
  const host = normaliseRegistryHost(port === undefined ? hostname : `${hostname}:${port}`);
  if (host === DOCKER_HUB_HOST) return { host, apiUrl: DOCKER_HUB_API_URL };
  const protocol = scheme ?? (isLoopbackHost(hostname) ? 'http' : 'https');
  return { host, apiUrl: `${protocol}://${host}` };
}

/** The kind a host gets when none is given: only the defaults (such as "has no `_catalog`") differ. */
export function defaultRegistryKind(host: string): RegistryKind {
  if (host === DOCKER_HUB_HOST) return 'dockerhub';
  if (host === 'ghcr.io') return 'ghcr';
  if (host === 'registry.gitlab.com') return 'gitlab';
  return 'generic';
}
