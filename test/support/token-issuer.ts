import { X509Certificate, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

/** The token-auth registry of scripts/test-engine.sh and what its issuer must sign with. */
export interface TokenRegistry {
  url: string;
  /** host:port, as in image references. */
  address: string;
  realm: string;
  service: string;
  issuer: string;
  keyPath: string;
  certPath: string;
}

export function tokenRegistry(): TokenRegistry {
  const stateDir = process.env.BERTH_TEST_STATE_DIR ?? '/var/lib/berth-test';
  const vars = Object.fromEntries(
    readFileSync(`${stateDir}/registry.env`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  if (!vars.BERTH_TEST_TOKEN_REGISTRY_URL) throw new Error('no token-auth test registry: run bash scripts/test-engine.sh');
  return {
    url: vars.BERTH_TEST_TOKEN_REGISTRY_URL,
    address: new URL(vars.BERTH_TEST_TOKEN_REGISTRY_URL).host,
    realm: vars.BERTH_TEST_TOKEN_REALM,
    service: vars.BERTH_TEST_TOKEN_SERVICE,
    issuer: vars.BERTH_TEST_TOKEN_ISSUER,
    keyPath: vars.BERTH_TEST_TOKEN_KEY,
    certPath: vars.BERTH_TEST_TOKEN_CERT,
  };
}

/** What a user may do: `{type: 'repository', name: 'team/app', actions: ['pull']}`; name `*` for every one. */
export interface TokenGrant {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** The issuer's table: password and grants per user; the user `''` is the anonymous one. */
export type TokenUsers = Record<string, { password: string; grants: TokenGrant[] }>;

export interface TokenIssuer {
  /** The scopes asked for and those granted, per request, to assert on. */
  readonly issued: { account: string; asked: string[]; granted: TokenGrant[] }[];
  stop(): Promise<void>;
}

/**
 * The token service of the Docker token auth spec (what auth.docker.io does), for the harness's
 * token registry: Basic credentials checked against `users`, each asked scope granted only as far
 * as the table allows, and an RS256 JWT whose `x5c` is the certificate the registry trusts.
 * Listens on the realm's fixed address: one per machine at a time.
 */
export async function startTokenIssuer(users: TokenUsers, registry = tokenRegistry()): Promise<TokenIssuer> {
  const key = createPrivateKey(readFileSync(registry.keyPath));
  const x5c = [new X509Certificate(readFileSync(registry.certPath)).raw.toString('base64')];
  const realm = new URL(registry.realm);
  const issued: TokenIssuer['issued'] = [];

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', registry.realm);
    if (url.pathname !== realm.pathname || request.method !== 'GET') return answer(response, 404, { error: 'not found' });
    const account = basicUser(request.headers.authorization, users);
    if (account === undefined) return answer(response, 401, { error: 'wrong username or password' });
    if (url.searchParams.get('service') !== registry.service) return answer(response, 400, { error: 'unknown service' });
    const asked = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean);
    const granted = asked.flatMap((scope) => grant(scope, users[account]?.grants ?? []));
    issued.push({ account, asked, granted });
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(
      { typ: 'JWT', alg: 'RS256', x5c },
      {
        iss: registry.issuer,
        sub: account,
        aud: registry.service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access: granted,
      },
      key,
    );
    answer(response, 200, { token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`the test token issuer cannot listen on ${realm.host} (${error.code}): is another test run using it?`)),
    );
    server.listen(Number(realm.port), realm.hostname, resolve);
  });
  return {
    issued,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The account of a Basic header that matches the table; `''` without credentials; undefined for wrong ones. */
function basicUser(header: string | undefined, users: TokenUsers): string | undefined {
  if (!header) return '';
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && users[user]?.password === password ? user : undefined;
}

/** `repository:team/app:pull,push` granted as far as `grants` allow; nothing when they do not. */
function grant(scope: string, grants: TokenGrant[]): TokenGrant[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return [];
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(',');
  const allowed = new Set(grants.filter((g) => g.type === type && (g.name === name || g.name === '*')).flatMap((g) => g.actions));
  const given = actions.filter((a) => allowed.has(a) || allowed.has('*'));
  return given.length ? [{ type: type as TokenGrant['type'], name, actions: given }] : [];
}

function jwt(header: object, claims: object, key: ReturnType<typeof createPrivateKey>): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signed = `${encode(header)}.${encode(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
