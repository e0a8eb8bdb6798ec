import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ProblemException } from '../../common/problem.js';
import {
  DistributionClient,
  type ManifestDescriptor,
  type ManifestDetail,
  type ManifestPlatform,
  type RegistryAccess,
  type RegistryCheck,
  type RegistryKind,
  type RegistryPage,
} from '../registry-access.js';
import { nextPageCursor } from './link-header.js';
import { failureReason, networkFailure, registryFailure } from './registry-failure.js';
import { TokenCache } from './token-cache.js';
import { type AuthChallenge, parseWwwAuthenticate, realmMayReceiveCredentials } from './www-authenticate.js';

/** Every manifest type Berth reads, so a registry never falls back to schema 1 or picks one for us. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;
const INDEX_MEDIA_TYPES = new Set<string>([MANIFEST_MEDIA_TYPES[1], MANIFEST_MEDIA_TYPES[3]]);
const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** Hosted registries that never list repositories, whatever the credentials. */
const CATALOG_LESS_KINDS = new Set<RegistryKind>(['dockerhub', 'ghcr']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** The Distribution spec's bound on a manifest; catalogs and tag pages are capped by `n`. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface RegistryAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: URL;
}

interface CallOptions {
  method?: 'GET' | 'HEAD' | 'DELETE';
  /** The token scope the call needs (`repository:team/app:pull`), undefined for `/v2/`. */
  scope?: string;
  accept?: string;
}

/** Distribution v2 over Node's `fetch`: the challenge, Basic or Bearer tokens (cached), redirects by hand. */
@Injectable()
export class HttpDistributionClient extends DistributionClient {
  /** Per request, connection to last byte. */
  protected timeoutMs = 15_000;
  private readonly tokens = new TokenCache();

  async check(access: RegistryAccess): Promise<RegistryCheck> {
    try {
      const answer = await this.call(access, '/v2/');
      if (answer.status === 404) return notARegistry(access, 'answers 404 at /v2/: there is no Distribution API at that URL');
      if (answer.status === 403) return { ok: false, reason: 'forbidden', detail: `${target(access)} denied access to /v2/ (403).` };
      if (answer.status >= 500)
        return { ok: false, reason: 'unreachable', detail: `${target(access)} answered ${answer.status} at /v2/: it is failing.` };
      if (answer.status !== 200) return notARegistry(access, `answers ${answer.status} at /v2/`);
      const version = answer.headers.get('docker-distribution-api-version') ?? '';
      const json = (answer.headers.get('content-type') ?? '').includes('json');
      if (!version.startsWith('registry/2') && !json)
        return notARegistry(access, 'answers /v2/ without Docker-Distribution-API-Version nor JSON');
      const who = access.username ? `as ${access.username}` : access.identityToken ? 'with its identity token' : 'anonymously';
      return { ok: true, detail: `${target(access)} answers the Distribution API v2 ${who}.` };
    } catch (error) {
      const reason = failureReason(error);
      if (reason) return { ok: false, reason, detail: (error as ProblemException).detail };
      if (error instanceof ProblemException) return { ok: false, reason: 'not-a-registry', detail: error.detail };
      throw error;
    }
  }

  async catalog(access: RegistryAccess, page: { n: number; last?: string }): Promise<RegistryPage<string>> {
    if (CATALOG_LESS_KINDS.has(access.kind)) throw catalogUnsupported(access);
    const query = pageQuery(page);
    let answer: RegistryAnswer;
    try {
      answer = await this.call(access, `/v2/_catalog?${query}`, { scope: 'registry:catalog:*' });
    } catch (error) {
      // Valid credentials without the catalog scope: what Docker Hub and most hosted registries answer.
      if (failureReason(error) === 'forbidden') throw catalogUnsupported(access);
      // A 401 on the catalog alone: the credentials are good when /v2/ takes them, so it is the catalog that is refused.
      if (failureReason(error) === 'unauthorized' && (await this.check(access)).ok) throw catalogUnsupported(access);
      throw error;
    }
    if (answer.status === 404 || answer.status === 403) throw catalogUnsupported(access);
    expectOk(access, answer, 'the catalog');
    const repositories = stringList(readJson(access, answer).repositories);
    return { items: repositories, next: nextPageCursor(answer.headers.get('link')) };
  }

  async tags(access: RegistryAccess, repository: string, page: { n: number; last?: string }): Promise<RegistryPage<string>> {
    const answer = await this.call(access, `/v2/${repoPath(repository)}/tags/list?${pageQuery(page)}`, { scope: pullScope(repository) });
    if (answer.status === 404) throw repositoryNotFound(repository);
    expectOk(access, answer, `the tags of ${repository}`);
    return { items: stringList(readJson(access, answer).tags), next: nextPageCursor(answer.headers.get('link')) };
  }

  async headManifest(access: RegistryAccess, repository: string, reference: string): Promise<ManifestDescriptor> {
    const answer = await this.call(access, manifestPath(repository, reference), {
      method: 'HEAD',
      scope: pullScope(repository),
      accept: MANIFEST_ACCEPT,
    });
    if (answer.status === 404) throw manifestNotFound(repository, reference);
    expectOk(access, answer, `the manifest ${repository}:${reference}`);
    const digest = answer.headers.get('docker-content-digest');
    // Some registries name the digest only on GET.
    if (!digest) return this.getManifest(access, repository, reference);
    return {
      digest,
      mediaType: mediaTypeOf(answer.headers),
      sizeBytes: Number(answer.headers.get('content-length') ?? 0),
    };
  }

  async getManifest(access: RegistryAccess, repository: string, reference: string): Promise<ManifestDetail> {
    const answer = await this.call(access, manifestPath(repository, reference), { scope: pullScope(repository), accept: MANIFEST_ACCEPT });
    if (answer.status === 404) throw manifestNotFound(repository, reference);
    expectOk(access, answer, `the manifest ${repository}:${reference}`);
    const manifest = readJson(access, answer);
    const mediaType = typeof manifest.mediaType === 'string' ? manifest.mediaType : mediaTypeOf(answer.headers);
    const detail: ManifestDetail = {
      digest: answer.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(answer.body).digest('hex')}`,
      mediaType,
      sizeBytes: answer.body.length,
    };
    if (INDEX_MEDIA_TYPES.has(mediaType) || Array.isArray(manifest.manifests)) {
      detail.platforms = platformsOf(manifest.manifests);
      return detail;
    }
    const config = manifest.config as { digest?: unknown; size?: unknown } | undefined;
    const layers = Array.isArray(manifest.layers) ? (manifest.layers as { size?: unknown }[]) : [];
    detail.contentSizeBytes = [config ?? {}, ...layers].reduce((sum, d) => sum + (typeof d.size === 'number' ? d.size : 0), 0);
    if (typeof config?.digest === 'string') detail.created = await this.createdOf(access, repository, config.digest);
    return detail;
  }

  async deleteManifest(access: RegistryAccess, repository: string, digest: string): Promise<void> {
    const answer = await this.call(access, manifestPath(repository, digest), {
      method: 'DELETE',
      scope: `repository:${repository}:delete`,
    });
    if (answer.status === 405 || errorCodes(answer).includes('UNSUPPORTED'))
      throw new ProblemException(
        409,
        'REGISTRY_DELETE_DISABLED',
        `${target(access)} does not allow deletes (storage.delete.enabled is off in its configuration): nothing was deleted.`,
      );
    if (answer.status === 404) throw manifestNotFound(repository, digest);
    expectOk(access, answer, `deleting ${repository}@${digest}`);
  }

  /** The image config's `created`, when the registry gives the blob; undefined otherwise (never fails the read). */
  private async createdOf(access: RegistryAccess, repository: string, digest: string): Promise<string | undefined> {
    try {
      const answer = await this.call(access, `/v2/${repoPath(repository)}/blobs/${encodeURIComponent(digest)}`, {
        scope: pullScope(repository),
      });
      if (answer.status !== 200) return undefined;
      const created = (JSON.parse(answer.body.toString('utf8')) as { created?: unknown }).created;
      return typeof created === 'string' ? created : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * One call with the registry's auth: a cached token first; on 401 the challenge is answered
   * (Basic, or a Bearer token for `scope`) and the call made once more. A second 401 is a failure.
   */
  private async call(access: RegistryAccess, path: string, options: CallOptions = {}): Promise<RegistryAnswer> {
    const url = `${access.apiUrl}${path}`;
    const key = `${access.apiUrl} ${options.scope ?? ''} ${credentialKey(access)}`;
    const headers: Record<string, string> = {};
    if (options.accept) headers.accept = options.accept;
    const cached = this.tokens.get(key);
    if (cached) headers.authorization = cached;
    const first = await this.send(access, url, options.method ?? 'GET', headers);
    if (first.status !== 401) return first;
    // Only the registry asks for its credentials: a challenge from where it redirected (blob storage) names that host's realm.
    if (first.url.origin !== new URL(url).origin)
      throw registryFailure(
        'unauthorized',
        `${target(access)} redirected to ${first.url.origin}, which asks for credentials: Berth gives them to the registry only.`,
      );

    this.tokens.delete(key);
    const challenges = parseWwwAuthenticate(first.headers.get('www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    let authorization: string;
    if (bearer) {
      const token = await this.fetchToken(access, bearer, options.scope ?? bearer.params.scope);
      authorization = `Bearer ${token.token}`;
      this.tokens.set(key, authorization, token.expiresIn);
    } else if (basic) {
      if (!access.username || typeof access.password !== 'string')
        throw registryFailure('unauthorized', `${target(access)} asks for a username and password (Basic); none are stored.`);
      authorization = basicAuth(access.username, access.password);
      this.tokens.set(key, authorization, 3600);
    } else if (challenges.length === 0) {
      throw registryFailure(
        path === '/v2/' ? 'not-a-registry' : 'unauthorized',
        `${target(access)} answers 401 without a WWW-Authenticate challenge.`,
      );
    } else {
      throw registryFailure('unauthorized', `${target(access)} asks for an unsupported authentication scheme (${challenges[0].scheme}).`);
    }

    const second = await this.send(access, url, options.method ?? 'GET', { ...headers, authorization });
    if (second.status !== 401) return second;
    this.tokens.delete(key);
    const refused = parseWwwAuthenticate(second.headers.get('www-authenticate')).find((c) => c.scheme === 'bearer');
    if (bearer && (refused?.params.error === 'insufficient_scope' || errorCodes(second).includes('DENIED')))
      throw registryFailure(
        'forbidden',
        `${target(access)} refused the token: the token service did not grant ${options.scope ?? 'the scope asked for'} to ${who(access)}.`,
      );
    throw registryFailure('unauthorized', `${target(access)} refused the credentials of ${who(access)}${codesSuffix(second)}.`);
  }

  /** The Bearer token flow: GET realm?service=&scope= with Basic credentials, or the OAuth2 refresh_token POST for an identity token. */
  private async fetchToken(
    access: RegistryAccess,
    challenge: AuthChallenge,
    scope: string | undefined,
  ): Promise<{ token: string; expiresIn?: number }> {
    const realm = challenge.params.realm;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm ?? '');
    } catch {
      throw registryFailure('unauthorized', `${target(access)} asks for a Bearer token without a valid realm.`);
    }
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:')
      throw registryFailure('unauthorized', `${target(access)} names a token realm that is not http(s).`);
    const service = challenge.params.service;
    const realmName = `the token service at ${realmUrl.origin}`;
    const credentialed = Boolean(access.identityToken || (access.username && typeof access.password === 'string'));
    if (credentialed && !realmMayReceiveCredentials(realmUrl, new URL(access.apiUrl)))
      throw registryFailure(
        'unauthorized',
        `${target(access)} sends its token requests to ${realmUrl.origin}, outside its own host and domain (or in clear): ` +
          'Berth does not send the stored credentials there.',
      );
    let answer: RegistryAnswer;
    if (access.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: access.identityToken, client_id: 'berth' });
      if (service) form.set('service', service);
      if (scope) form.set('scope', scope);
      answer = await this.send(
        access,
        realmUrl.href,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded' },
        form.toString(),
        realmName,
      );
    } else {
      if (service) realmUrl.searchParams.set('service', service);
      if (scope) realmUrl.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (access.username && typeof access.password === 'string') {
        realmUrl.searchParams.set('account', access.username);
        headers.authorization = basicAuth(access.username, access.password);
      }
      answer = await this.send(access, realmUrl.href, 'GET', headers, undefined, realmName);
    }
    if (answer.status === 401)
      throw registryFailure('unauthorized', `${realmName} refused the credentials of ${who(access)} for ${target(access)}.`);
    if (answer.status === 403)
      throw registryFailure('forbidden', `${realmName} denied ${who(access)} ${scope ?? 'access'} on ${target(access)}.`);
    if (answer.status !== 200) throw registryFailure('unauthorized', `${realmName} answered ${answer.status} instead of a token.`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body;
    } catch {
      throw registryFailure('unauthorized', `${realmName} answered something other than a JSON token.`);
    }
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token.length === 0) throw registryFailure('unauthorized', `${realmName} answered without a token.`);
    return { token, expiresIn: typeof body.expires_in === 'number' ? body.expires_in : undefined };
  }

  /**
   * One HTTP exchange, redirects followed by hand: the Authorization header goes to the
   * registry's own origin only, never to the blob storage it redirects to.
   */
  private async send(
    access: RegistryAccess,
    url: string,
    method: string,
    headers: Record<string, string>,
    body?: string,
    name = target(access),
  ): Promise<RegistryAnswer> {
    let current = new URL(url);
    let currentMethod = method;
    const sent = { ...headers };
    let sentBody = body;
    for (let hop = 0; ; hop++) {
      let response: Response;
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        response = await fetch(current, { method: currentMethod, headers: sent, body: sentBody, redirect: 'manual', signal });
      } catch (error) {
        throw networkFailure(error, name);
      }
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location) {
        await response.body?.cancel().catch(() => undefined);
        const next = new URL(location, current);
        if (hop >= MAX_REDIRECTS || (next.protocol !== 'https:' && next.protocol !== 'http:'))
          throw new ProblemException(502, 'REGISTRY_ERROR', `${name} redirected too often or to a URL that is not http(s).`);
        if (response.status === 303) {
          currentMethod = 'GET';
          sentBody = undefined;
        } else if (sentBody !== undefined && next.origin !== current.origin) {
          // The only body Berth sends is the token form, which holds the identity token: never to another origin.
          throw registryFailure(
            'unauthorized',
            `${name} redirected the token request to ${next.origin}: Berth does not send the credentials there.`,
          );
        }
        if (next.origin !== current.origin) delete sent.authorization;
        current = next;
        continue;
      }
      try {
        return { status: response.status, headers: response.headers, body: await readCapped(response), url: current };
      } catch (error) {
        if (error instanceof ProblemException) throw error;
        throw networkFailure(error, name);
      }
    }
  }
}

async function readCapped(response: Response): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new ProblemException(502, 'REGISTRY_ERROR', `The registry answered more than ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function target(access: RegistryAccess): string {
  return `the registry at ${access.apiUrl}`;
}

function who(access: RegistryAccess): string {
  return access.username ? `user ${access.username}` : access.identityToken ? 'the identity token' : 'an anonymous client';
}

/** Tells credentials apart in the token cache without keeping them in its keys. */
function credentialKey(access: RegistryAccess): string {
  return createHash('sha256')
    .update(JSON.stringify([access.username ?? null, access.password ?? null, access.identityToken ?? null]))
    .digest('base64url');
}

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function pageQuery(page: { n: number; last?: string }): string {
  const query = new URLSearchParams({ n: String(page.n) });
  if (page.last) query.set('last', page.last);
  return query.toString();
}

function repoPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repoPath(repository)}/manifests/${encodeURIComponent(reference)}`;
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function mediaTypeOf(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0].trim();
}

/** The registry's own error codes (`MANIFEST_UNKNOWN`, `DENIED`...): its messages may echo anything, so only codes are quoted. */
function errorCodes(answer: RegistryAnswer): string[] {
  try {
    const { errors } = JSON.parse(answer.body.toString('utf8')) as { errors?: { code?: unknown }[] };
    if (!Array.isArray(errors)) return [];
    return errors.map((e) => e?.code).filter((code): code is string => typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code));
  } catch {
    return [];
  }
}

function codesSuffix(answer: RegistryAnswer): string {
  const codes = errorCodes(answer);
  return codes.length ? ` (${codes.join(', ')})` : '';
}

function expectOk(access: RegistryAccess, answer: RegistryAnswer, what: string): void {
  if (answer.status >= 200 && answer.status < 300) return;
  if (answer.status === 403) throw registryFailure('forbidden', `${target(access)} denied ${what}${codesSuffix(answer)}.`);
  if (answer.status === 429) {
    const retryAfter = answer.headers.get('retry-after');
    throw new ProblemException(502, 'REGISTRY_RATE_LIMITED', `${target(access)} rate-limits these requests (429): retry later.`, {
      ...(retryAfter && /^\d+$/.test(retryAfter) && { headers: { 'Retry-After': retryAfter } }),
    });
  }
  throw new ProblemException(502, 'REGISTRY_ERROR', `${target(access)} answered ${answer.status} for ${what}${codesSuffix(answer)}.`);
}

function readJson(access: RegistryAccess, answer: RegistryAnswer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(answer.body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // below
  }
  throw new ProblemException(502, 'REGISTRY_ERROR', `${target(access)} answered something other than JSON.`);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function platformsOf(manifests: unknown): ManifestPlatform[] {
  if (!Array.isArray(manifests)) return [];
  return manifests.flatMap((m: { digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }) => {
    if (typeof m?.digest !== 'string' || !m.platform) return [];
    const { os, architecture, variant } = m.platform;
    if (typeof os !== 'string' || typeof architecture !== 'string') return [];
    return [{ os, architecture, ...(typeof variant === 'string' && { variant }), digest: m.digest }];
  });
}

function notARegistry(access: RegistryAccess, why: string): RegistryCheck {
  return { ok: false, reason: 'not-a-registry', detail: `${target(access)} ${why}.` };
}

function catalogUnsupported(access: RegistryAccess): ProblemException {
  return new ProblemException(
    501,
    'CATALOG_UNSUPPORTED',
    `${target(access)} does not list its repositories to these credentials (no _catalog): ` +
      'name a repository you know and use GET /api/v1/registries/{id}/repositories/{repo}/tags.',
  );
}

function repositoryNotFound(repository: string): ProblemException {
  return new ProblemException(404, 'REGISTRY_REPOSITORY_NOT_FOUND', `The registry has no repository ${repository}.`);
}

function manifestNotFound(repository: string, reference: string): ProblemException {
  const separator = reference.startsWith('sha256:') ? '@' : ':';
  return new ProblemException(404, 'REGISTRY_MANIFEST_NOT_FOUND', `The registry has no manifest ${repository}${separator}${reference}.`);
}
