import type { Readable } from 'node:stream';
import type { EngineCalls } from './engine-calls.js';
import { pathSegment } from './engine-paths.js';
import type { RegistryAuth } from './engine-types.js';
import { registryHeader } from './registry-auth.js';

/** How long the engine may take to take in a build context or start a push, before it is given up. */
const OPEN_TIMEOUT_MS = 10 * 60_000;

/** What a build may ask of the classic builder: nothing here reaches the host (no network mode, extra hosts, shm, cpuset). */
export interface EngineBuildOptions {
  tags: string[];
  /** Path of the Dockerfile inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  platform?: string;
  /** `application/x-tar` or `application/gzip`: the engine reads both. */
  contentType: string;
  /** Credentials by registry host, for private base images (X-Registry-Config). */
  registryConfig?: Record<string, RegistryAuth>;
}

/**
 * `docker build` with the classic builder (`version=1`): sends the context and hands back the
 * engine's JSON-lines output. Aborting `signal` cuts the request; the classic builder tags only
 * once every step has run, so a cut build leaves no tag.
 */
export function openBuild(calls: EngineCalls, context: Readable, options: EngineBuildOptions, signal: AbortSignal): Promise<Readable> {
  const query: Record<string, unknown> = { t: options.tags, version: '1', rm: true, forcerm: true };
  if (options.dockerfile) query.dockerfile = options.dockerfile;
  if (options.buildArgs && Object.keys(options.buildArgs).length > 0) query.buildargs = options.buildArgs;
  if (options.target) query.target = options.target;
  if (options.labels && Object.keys(options.labels).length > 0) query.labels = options.labels;
  if (options.noCache) query.nocache = true;
  if (options.pull) query.pull = true;
  if (options.platform) query.platform = options.platform;
  return calls.call(
    'image.build',
    () =>
      calls.dial<Readable>({
        path: '/build?',
        method: 'POST',
        isStream: true,
        abortSignal: signal,
        options: query,
        file: context,
        headers: { 'Content-Type': options.contentType },
        registryconfig: { base64: registryHeader(options.registryConfig ?? {}) },
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      }),
    OPEN_TIMEOUT_MS,
  );
}

/** `docker push repo:tag`: the engine's JSON-lines progress. A tag is always sent: without one the engine pushes every local tag. */
export function openPush(
  calls: EngineCalls,
  repository: string,
  tag: string,
  auth: RegistryAuth | undefined,
  signal: AbortSignal,
): Promise<Readable> {
  return calls.call(
    'image.push',
    () =>
      calls.dial<Readable>({
        path: `/images/${pathSegment(repository)}/push?`,
        method: 'POST',
        isStream: true,
        abortSignal: signal,
        options: { tag },
        // The engine wants the header even for an anonymous push.
        authconfig: { base64: registryHeader(auth ?? {}) },
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      }),
    OPEN_TIMEOUT_MS,
  );
}

/**
 * Removes one build cache record (`docker builder prune --filter id=…`): BuildKit takes one `id`
 * value per call and matches it as a pattern, so the record's full id is sent. Records in use stay.
 */
export async function pruneBuildCache(calls: EngineCalls, id: string): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  // dockerode's pruneBuilder drops its options (it would prune the whole cache): the request is made here.
  const answer = await calls.call('build.prune', () =>
    calls.dial<{ SpaceReclaimed?: number; CachesDeleted?: string[] | null } | null>({
      path: '/build/prune?',
      method: 'POST',
      options: { filters: { id: [id] } },
      statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
    }),
  );
  return { deleted: answer?.CachesDeleted ?? [], spaceReclaimed: answer?.SpaceReclaimed ?? 0 };
}
