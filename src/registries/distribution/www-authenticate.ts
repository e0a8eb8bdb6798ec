import { isIP } from 'node:net';

/** One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="..."`. Parameter names lowercased. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y;
/** Lenient: registries send unquoted URLs (`realm=https://...`), which RFC 7235 would quote. */
const BARE_VALUE = /[^\s,"]+/y;

/**
 * The challenges of a `WWW-Authenticate` header (RFC 7235 §4.1): several per header, comma
 * separated; quoted values may hold commas and `\"`; a scheme may have no parameters. A header
 * that cannot be read yields the challenges read before the fault, never an exception.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  if (!header) return [];
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = i;
    const found = pattern.exec(header);
    if (!found) return undefined;
    i = pattern.lastIndex;
    return found[0];
  };
  const quoted = (): string | undefined => {
    if (header[i] !== '"') return undefined;
    let value = '';
    for (i++; i < header.length; i++) {
      const c = header[i];
      if (c === '\\' && i + 1 < header.length) value += header[++i];
      else if (c === '"') {
        i++;
        return value;
      } else value += c;
    }
    return undefined; // unterminated
  };

  while (i < header.length) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const scheme = match(TOKEN);
    if (!scheme) break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // Parameters: name=value pairs separated by commas, until the next scheme (a token not followed by `=`).
    for (;;) {
      skipSpace();
      while (header[i] === ',') {
        i++;
        skipSpace();
      }
      const start = i;
      if (Object.keys(challenge.params).length === 0) {
        // token68 (`Negotiate abc123==`): the whole credential, then the end or a comma.
        const token68 = match(TOKEN68);
        skipSpace();
        if (token68?.endsWith('=') && (i >= header.length || header[i] === ',')) {
          challenge.params.token68 = token68;
          continue;
        }
        i = start;
      }
      const name = match(TOKEN);
      if (!name) break;
      skipSpace();
      if (header[i] !== '=') {
        i = start; // the next challenge's scheme
        break;
      }
      i++;
      skipSpace();
      const value = header[i] === '"' ? quoted() : match(BARE_VALUE);
      if (value === undefined) return challenges;
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}

/**
 * Whether a Bearer challenge's realm may receive the stored credentials: a token service on the registry's own host
 * (any port), or on its parent domain or a sibling under it (`auth.docker.io` for `registry-1.docker.io`, `gitlab.com`
 * for `registry.gitlab.com`); never in clear when the registry speaks https. Any other realm would harvest them.
 */
export function realmMayReceiveCredentials(realm: URL, registry: URL): boolean {
  if (registry.protocol === 'https:' && realm.protocol !== 'https:') return false;
  const host = realm.hostname.toLowerCase();
  const own = registry.hostname.toLowerCase();
  if (host === own) return true;
  // IP literals have no parent domain; `registry.io` has none short of the public suffix.
  if (isIP(own) || own.startsWith('[')) return false;
  const parent = own.slice(own.indexOf('.') + 1);
  if (!own.includes('.') || !parent.includes('.')) return false;
  return host === parent || host.endsWith(`.${parent}`);
}
