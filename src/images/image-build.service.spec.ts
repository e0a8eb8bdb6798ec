import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import type { EngineBuildOptions } from '../docker/engine-build.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { AnonymousRegistryAuth } from '../docker/registry-auth.js';
import type { JobContext, JobRunner, JobSpec, JobView } from '../jobs/job-types.js';
import { tarFromFiles } from './build-context.js';
import { ImageBuildService, keyValues } from './image-build.service.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };
const built = Buffer.from(`${JSON.stringify({ aux: { ID: 'sha256:abc' } })}\n`);

/** A JobRunner that runs the job at once (authorized again first, as the machinery does) and keeps its result. */
function inlineRunner() {
  const results: Array<Promise<object>> = [];
  const runner = {
    start: vi.fn(async (spec: JobSpec) => {
      const context: JobContext = { signal: new AbortController().signal, output: () => undefined, progress: () => undefined };
      results.push((spec.authorize?.() ?? Promise.resolve()).then(() => spec.run(context)));
      return { id: 'job-1' } as JobView;
    }),
    finished: vi.fn(async () => ({ id: 'job-1' }) as JobView),
    released: 0,
    reserve: vi.fn(() => ({ release: () => void runner.released++ })),
  };
  return { runner: runner as typeof runner & JobRunner, results };
}

function setup(options: { denyTag?: string; maxBytes?: number } = {}) {
  const sent: Array<{ context: Buffer; options: EngineBuildOptions }> = [];
  const engine = fakeEngine({
    pullImage: vi.fn(async () => undefined),
    openBuild: vi.fn(async (context: Readable, buildOptions: EngineBuildOptions) => {
      const chunks: Buffer[] = [];
      for await (const chunk of context) chunks.push(chunk as Buffer);
      sent.push({ context: Buffer.concat(chunks), options: buildOptions });
      return Readable.from([built]);
    }),
  });
  const policy = {
    authorizeTagReplacement: vi.fn(async (_engine: unknown, ref: string) => {
      if (ref === options.denyTag) throw new ProblemException(403, 'POLICY_DENIED', `${ref} is an exception's image`);
    }),
  } as unknown as ContainerPolicy;
  const { runner, results } = inlineRunner();
  const config = new AppConfig({ buildContextMaxBytes: options.maxBytes ?? 1024 * 1024 });
  const service = new ImageBuildService(fakeHosts(engine), policy, new AnonymousRegistryAuth(), runner, config);
  return { service, sent, results, runner, policy, engine };
}

/** A body that records whether anyone read it. */
function body(bytes: Buffer) {
  const stream = Readable.from([bytes]);
  const read = vi.spyOn(stream, 'read');
  return { stream, read };
}

describe('ImageBuildService', () => {
  it.each([
    [['A=1', 'B=x=y', 'C='], { A: '1', B: 'x=y', C: '' }],
    [undefined, undefined],
  ])('keyValues(%j) → %j', (pairs, map) => {
    expect(keyValues(pairs)).toEqual(map);
  });

  it('sends an upload to the classic builder as it came, with the options and every tag checked first', async () => {
    const { service, sent, results, policy } = setup();
    const tar = gzipSync(tarFromFiles({ 'build/Dockerfile': 'FROM base:1\n', 'app.js': 'x' }));
    const query = { tag: ['team/app', 'team/app:1'], dockerfile: 'build/Dockerfile', buildArg: ['A=1'], label: ['k=v'], noCache: true };
    await service.buildFromUpload('local', { contentType: 'application/gzip', body: Readable.from([tar]) }, query, operator);
    await expect(results[0]).resolves.toEqual({ id: 'sha256:abc', tags: ['team/app', 'team/app:1'] });
    expect(sent[0].context).toEqual(tar);
    expect(sent[0].options).toMatchObject({
      tags: ['team/app', 'team/app:1'],
      dockerfile: 'build/Dockerfile',
      buildArgs: { A: '1' },
      labels: { k: 'v' },
      noCache: true,
      contentType: 'application/gzip',
    });
    // Checked at the request, and again as the job leaves the queue.
    expect(vi.mocked(policy.authorizeTagReplacement).mock.calls.map((call) => call[1])).toEqual([
      'team/app:latest',
      'team/app:1',
      'team/app:latest',
      'team/app:1',
    ]);
  });

  it.each<[string, { contentType: string; contentLength?: number }, object, string]>([
    ['an unknown media type', { contentType: 'text/plain' }, { tag: ['a'] }, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no tag', { contentType: 'application/x-tar' }, {}, 'VALIDATION_FAILED'],
    ['a declared length over the cap', { contentType: 'application/x-tar', contentLength: 2048 }, { tag: ['a'] }, 'PAYLOAD_TOO_LARGE'],
    ['a tag an exception runs', { contentType: 'application/x-tar' }, { tag: ['guarded'] }, 'POLICY_DENIED'],
  ])('refuses %s before reading the body or starting a job', async (_name, upload, query, code) => {
    const { service, runner } = setup({ denyTag: 'guarded:latest', maxBytes: 1024 });
    const { stream, read } = body(Buffer.alloc(10));
    await expect(service.buildFromUpload('local', { ...upload, body: stream }, query, operator)).rejects.toMatchObject({ code });
    expect(read).not.toHaveBeenCalled();
    expect(runner.start).not.toHaveBeenCalled();
  });

  it('checks its tags again when the job leaves the queue: a tag an exception now runs fails the job, nothing built', async () => {
    const { service, sent, results, policy } = setup();
    vi.mocked(policy.authorizeTagReplacement)
      .mockResolvedValueOnce(undefined)
      .mockRejectedValueOnce(new ProblemException(403, 'POLICY_DENIED', 'x:1 is the image of the policy exception admin-app'));
    await service.buildFromJson('local', { dockerfile: 'FROM busybox\n', tags: ['x:1'] }, operator);
    await expect(results[0]).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(vi.mocked(policy.authorizeTagReplacement).mock.calls.map((call) => call[1])).toEqual(['x:1', 'x:1']);
    expect(sent).toHaveLength(0);
  });

  it.each<[string, { dockerfile: string; pull?: boolean; buildArgs?: Record<string, string> }, string | null]>([
    ['pull: the FROM an exception runs is refused', { dockerfile: 'FROM guarded\n', pull: true }, 'POLICY_DENIED'],
    ['pull: through an ARG default', { dockerfile: 'ARG B=guarded\nFROM $B AS x\nFROM x\n', pull: true }, 'POLICY_DENIED'],
    [
      'pull: through a build argument',
      { dockerfile: 'ARG B\nFROM ${B}\n', pull: true, buildArgs: { B: 'guarded:latest' } },
      'POLICY_DENIED',
    ],
    ['pull: an unresolvable FROM is refused', { dockerfile: 'ARG B\nFROM ${B}\n', pull: true }, 'POLICY_DENIED'],
    ['pull: another base is built', { dockerfile: 'FROM --platform=linux/amd64 other:1 AS guarded\nFROM guarded\n', pull: true }, null],
    ['no pull: the FROM moves no tag', { dockerfile: 'FROM guarded\n' }, null],
  ])('JSON build, %s', async (_name, dto, code) => {
    const { service, runner, results } = setup({ denyTag: 'guarded:latest' });
    const outcome = service.buildFromJson('local', { ...dto, tags: ['x:1'] }, operator);
    if (code) {
      await expect(outcome).rejects.toMatchObject({ code });
      expect(runner.start).not.toHaveBeenCalled();
    } else {
      await outcome;
      await expect(results[0]).resolves.toMatchObject({ id: 'sha256:abc' });
    }
  });

  it('an admin builds with pull from any FROM, unresolvable or not, unchecked: the engine pulls', async () => {
    const { service, results, policy, sent, engine } = setup({ denyTag: 'guarded:latest' });
    const admin: Principal = { ...operator, role: 'admin' };
    await service.buildFromJson('local', { dockerfile: 'ARG B\nFROM ${B}\nFROM guarded\n', tags: ['x:1'], pull: true }, admin);
    await expect(results[0]).resolves.toMatchObject({ id: 'sha256:abc' });
    expect(vi.mocked(policy.authorizeTagReplacement).mock.calls.map((call) => call[1])).toEqual(['x:1', 'x:1']);
    expect(sent[0].options.pull).toBe(true);
    expect(engine.pullImage).not.toHaveBeenCalled();
  });

  it('refuses ADD of a URL to non-admins (dockerd would fetch it from the host), before any job; an admin may', async () => {
    const { service, runner, results } = setup();
    const dockerfile = 'FROM base:1\nADD http://127.0.0.1:8500/v1/kv/?recurse /kv\n';
    await expect(service.buildFromJson('local', { dockerfile, tags: ['x:1'] }, operator)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(runner.start).not.toHaveBeenCalled();
    await service.buildFromJson('local', { dockerfile, tags: ['x:1'] }, { ...operator, role: 'admin' });
    await expect(results[0]).resolves.toMatchObject({ id: 'sha256:abc' });
  });

  it("refuses a non-admin's upload whose Dockerfile Berth cannot read (missing, a link, no tar): it could not be judged", async () => {
    const { service, runner } = setup();
    for (const body of [tarFromFiles({ other: 'x' }), Buffer.alloc(2048, 7)]) {
      await expect(
        service.buildFromUpload('local', { contentType: 'application/x-tar', body: Readable.from([body]) }, { tag: ['x:1'] }, operator),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(runner.start).not.toHaveBeenCalled();
  });

  it('refuses ADD of a URL in an uploaded context too (its Dockerfile read as the engine would)', async () => {
    const { service, runner } = setup();
    const tar = tarFromFiles({ dockerfile: 'FROM base:1\nADD ["https://example.com/x", "/x"]\n' });
    await expect(
      service.buildFromUpload('local', { contentType: 'application/x-tar', body: Readable.from([tar]) }, { tag: ['x:1'] }, operator),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(runner.start).not.toHaveBeenCalled();
  });

  it("an operator's pull: Berth pulls the bases it judged, then the engine builds without pulling (whatever Dockerfile it reads)", async () => {
    const { service, results, sent, engine } = setup();
    const dockerfile = 'FROM base:1 AS one\nFROM one\nCOPY --from=tools:2 /t /t\nFROM scratch\n';
    await service.buildFromJson('local', { dockerfile, tags: ['x:1'], pull: true, platform: 'linux/amd64' }, operator);
    await expect(results[0]).resolves.toMatchObject({ id: 'sha256:abc' });
    const pulls = vi.mocked(engine.pullImage).mock.calls as unknown as Array<[string, unknown, { platform?: string }]>;
    expect(pulls.map(([ref, , options]) => [ref, options.platform])).toEqual([
      ['base:1', 'linux/amd64'],
      ['tools:2', 'linux/amd64'],
    ]);
    expect(sent[0].options.pull).toBe(false);
  });

  it.each([
    ['a tar', (tar: Buffer) => tar, 'application/x-tar'],
    ['a tar.gz', (tar: Buffer) => gzipSync(tar), 'application/gzip'],
  ])(
    "upload with pull: the FROM of the context's Dockerfile (%s) is authorized, refused when an exception runs it",
    async (_name, pack, type) => {
      const { service, runner, policy } = setup({ denyTag: 'guarded:latest' });
      const tar = pack(tarFromFiles({ 'build/Dockerfile': 'FROM guarded\n' }));
      const upload = { contentType: type, body: Readable.from([tar]) };
      await expect(
        service.buildFromUpload('local', upload, { tag: ['x:1'], dockerfile: 'build/Dockerfile', pull: true }, operator),
      ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      expect(vi.mocked(policy.authorizeTagReplacement).mock.calls.map((call) => call[1])).toEqual(['x:1', 'guarded:latest']);
      expect(runner.start).not.toHaveBeenCalled();
    },
  );

  it('refuses a streamed body past the cap with 413 and starts no job', async () => {
    const { service, runner } = setup({ maxBytes: 1024 });
    const upload = { contentType: 'application/x-tar', body: Readable.from([Buffer.alloc(1000), Buffer.alloc(100)]) };
    await expect(service.buildFromUpload('local', upload, { tag: ['a'] }, operator)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(runner.start).not.toHaveBeenCalled();
    // The upload held a place among the operator's jobs on the host while it was received, and gave it back.
    expect(runner.reserve).toHaveBeenCalledWith('local', operator);
    expect(runner.released).toBe(1);
  });

  it('makes a JSON build into a tar holding the Dockerfile and the files', async () => {
    const { service, sent, results } = setup();
    await service.buildFromJson('local', { dockerfile: 'FROM busybox\n', files: { 'a/b.txt': 'hi' }, tags: ['x:1'] }, operator);
    await results[0];
    const names = [0, 1].map((i) => sent[0].context.toString('utf8', i * 1024, i * 1024 + 100).replace(/\0.*$/s, ''));
    expect(sent[0].options).toMatchObject({ dockerfile: 'Dockerfile', tags: ['x:1'], contentType: 'application/x-tar' });
    expect(names).toEqual(['a/b.txt', 'Dockerfile']);
  });
});

describe('ImageBuildService.push', () => {
  it('shares a push only with the same credentials: another registry record makes another job', async () => {
    const engine = fakeEngine({ inspectImage: vi.fn(async () => ({ Id: 'sha256:abc' }) as never) });
    const { runner } = inlineRunner();
    const start = vi.mocked(runner.start);
    start.mockImplementation(async () => ({ id: 'job-1' }) as JobView);
    const service = new ImageBuildService(fakeHosts(engine), {} as ContainerPolicy, new AnonymousRegistryAuth(), runner, new AppConfig());
    await service.push('local', 'registry.example.com/app:1', {}, operator);
    await service.push('local', 'registry.example.com/app:1', { registryId: 'r2' }, operator);
    await service.push('local', 'registry.example.com/app:1', { registryId: 'r2' }, operator);
    const [anonymous, named, again] = start.mock.calls.map(([spec]) => (spec as JobSpec).dedupeKey);
    expect(named).not.toBe(anonymous);
    expect(again).toBe(named);
  });
});
