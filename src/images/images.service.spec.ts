import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { JobProgress, JobRunner, JobSpec, JobView } from '../jobs/job-types.js';
import { ImagesService, toImageListQuery, uploadProgress } from './images.service.js';
import { Readable } from 'node:stream';
import { tarFromFiles } from './build-context.js';

const operator: Principal = { kind: 'user', userId: 'u2', username: 'ops', role: 'operator' };
const admin: Principal = { kind: 'user', userId: 'u1', username: 'root', role: 'admin' };
const policy = (authorize = vi.fn(async () => undefined)) => ({ authorizeTagReplacement: authorize }) as unknown as ContainerPolicy;
/** A JobRunner that runs the job's work at once and answers its result as the job. */
const jobs = () =>
  ({
    start: async (spec: JobSpec) => {
      const progress: JobProgress[] = [];
      const output: string[] = [];
      // As the machinery does when the job leaves the queue.
      await spec.authorize?.();
      const result = await spec.run({
        signal: new AbortController().signal,
        progress: (p) => progress.push(p),
        output: (l) => output.push(l),
      });
      return { kind: spec.kind, target: spec.target, result, progress, output } as unknown as JobView;
    },
    finished: async () => Promise.reject(new Error('not used')),
    reserve: () => ({ release: () => undefined }),
  }) as unknown as JobRunner;
const inUse = () => new ProblemException(409, 'IMAGE_IN_USE', 'conflict: unable to remove repository reference "app:1" (must force)');

describe('ImagesService', () => {
  it.each([
    [{}, { all: false, filters: {} }],
    [
      { dangling: true, all: true },
      { all: true, filters: { dangling: ['true'] } },
    ],
    [
      { reference: ['app:*'], label: ['a=b'] },
      { all: false, filters: { reference: ['app:*'], label: ['a=b'] } },
    ],
    [
      { before: 'app:1', since: 'sha256:abc' },
      { all: false, filters: { before: ['app:1'], since: ['sha256:abc'] } },
    ],
  ])('turns the CLI filters %j into the engine query', (query, engineQuery) => {
    expect(toImageListQuery(query)).toEqual(engineQuery);
  });

  it('refuses a before filter that is no reference, naming the part', () => {
    expect(() => toImageListQuery({ before: 'App' })).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ errors: [expect.objectContaining({ field: 'before.path' })] }) }),
    );
  });

  it('counts the containers of each image from one container list, shared by concurrent identical lists', async () => {
    const listImages = vi.fn(async () => [{ Id: 'sha256:a', RepoTags: ['app:1'], RepoDigests: [], Created: 0, Size: 1, Labels: {} }]);
    const listContainers = vi.fn(async () => [{ ImageID: 'sha256:a' }, { ImageID: 'sha256:a' }]);
    const service = new ImagesService(fakeHosts(fakeEngine({ listImages, listContainers })), policy(), jobs(), new AppConfig());
    // The first starts at once; the two that arrive meanwhile share the next read (never an older answer).
    const [first, second, third] = await Promise.all([service.list('local', {}), service.list('local', {}), service.list('local', {})]);
    expect(first.items[0].containers).toBe(2);
    expect(third).toEqual(second);
    expect(listImages).toHaveBeenCalledTimes(2);
    expect(listContainers).toHaveBeenCalledWith({ all: true });
  });

  it('tags after the policy has allowed moving the tag, by the image id', async () => {
    const order: string[] = [];
    const authorize = vi.fn(async () => void order.push('policy'));
    const tagImage = vi.fn(async () => void order.push('tag'));
    const service = new ImagesService(
      fakeHosts(fakeEngine({ inspectImage: async () => ({ Id: 'sha256:a' }), tagImage })),
      policy(authorize),
      jobs(),
      new AppConfig(),
    );
    await expect(service.tag('local', 'app:1', { repo: 'localhost:5001/app', tag: '2' }, undefined)).resolves.toEqual({
      id: 'sha256:a',
      reference: 'localhost:5001/app:2',
    });
    expect(authorize).toHaveBeenCalledWith(expect.anything(), 'localhost:5001/app:2', undefined);
    expect(tagImage).toHaveBeenCalledWith('sha256:a', 'localhost:5001/app', '2');
    expect(order).toEqual(['policy', 'tag']);
  });

  it('tags nothing when the policy denies', async () => {
    const tagImage = vi.fn();
    const denied = new ProblemException(403, 'POLICY_DENIED', 'no');
    const service = new ImagesService(
      fakeHosts(fakeEngine({ inspectImage: async () => ({ Id: 'sha256:a' }), tagImage })),
      policy(vi.fn(async () => Promise.reject(denied))),
      jobs(),
      new AppConfig(),
    );
    await expect(service.tag('local', 'app:1', { repo: 'app' }, undefined)).rejects.toBe(denied);
    expect(tagImage).not.toHaveBeenCalled();
  });

  it('names the containers using an image the engine refuses to remove', async () => {
    const service = new ImagesService(
      fakeHosts(
        fakeEngine({
          removeImage: async () => Promise.reject(inUse()),
          inspectImage: async () => ({ Id: 'sha256:a' }),
          listContainers: async () => [
            { Id: 'c1', Names: ['/web'], ImageID: 'sha256:a' },
            { Id: 'c2', Names: ['/child'], ImageID: 'sha256:b' },
          ],
        }),
      ),
      policy(),
      jobs(),
      new AppConfig(),
    );
    const problem = (await service.remove('local', 'app:1', {}, admin).catch((e: unknown) => e)) as ProblemException;
    expect(problem.code).toBe('IMAGE_IN_USE');
    expect(problem.detail).toContain('web');
    expect(problem.problem.extensions).toEqual({ containers: [{ id: 'c1', name: 'web' }] });
  });

  it('keeps the engine problem when no container uses the image (several tags, not forced)', async () => {
    const original = inUse();
    const service = new ImagesService(
      fakeHosts(
        fakeEngine({
          removeImage: async () => Promise.reject(original),
          inspectImage: async () => ({ Id: 'sha256:a' }),
          listContainers: async () => [],
        }),
      ),
      policy(),
      jobs(),
      new AppConfig(),
    );
    await expect(service.remove('local', 'sha256:a', {}, admin)).rejects.toBe(original);
  });

  it('answers what was untagged and deleted', async () => {
    const removeImage = vi.fn(async () => [{ Untagged: 'app:1' }, { Deleted: 'sha256:a' }]);
    const service = new ImagesService(fakeHosts(fakeEngine({ removeImage })), policy(), jobs(), new AppConfig());
    await expect(service.remove('local', 'app:1', { force: true }, admin)).resolves.toEqual({ untagged: ['app:1'], deleted: ['sha256:a'] });
    expect(removeImage).toHaveBeenCalledWith('app:1', { force: true, noprune: false });
  });

  it('asks the policy for each tag a non-admin removal takes away: the tag named, or every tag of an id; none by digest', async () => {
    const removeImage = vi.fn(async () => []);
    const authorize = vi.fn(async () => undefined);
    const inspectImage = vi.fn(async () => ({ Id: 'sha256:a', RepoTags: ['team/app:1', 'team/app:latest'] }));
    const service = new ImagesService(fakeHosts(fakeEngine({ removeImage, inspectImage })), policy(authorize), jobs(), new AppConfig());
    await service.remove('local', 'docker.io/team/app:1', { force: true }, operator);
    expect(authorize.mock.calls.map((call) => (call as unknown[])[1])).toEqual(['team/app:1']);
    authorize.mockClear();
    await service.remove('local', 'sha256:a', { force: true }, operator);
    expect(authorize.mock.calls.map((call) => (call as unknown[])[1])).toEqual(['team/app:1', 'team/app:latest']);
    authorize.mockClear();
    await service.remove('local', `team/app@sha256:${'b'.repeat(64)}`, {}, operator);
    await service.remove('local', 'team/app:1', {}, admin);
    expect(authorize).not.toHaveBeenCalled();
  });

  it('removes nothing when the policy denies untagging an exception’s tag', async () => {
    const removeImage = vi.fn(async () => []);
    const denied = new ProblemException(403, 'POLICY_DENIED', 'team/app:1 is the image of the policy exception agent');
    const inspectImage = async () => ({ Id: 'sha256:a', RepoTags: ['team/app:1'] });
    const service = new ImagesService(
      fakeHosts(fakeEngine({ removeImage, inspectImage })),
      policy(vi.fn(async () => Promise.reject(denied))),
      jobs(),
      new AppConfig(),
    );
    await expect(service.remove('local', 'sha256:a', { force: true }, operator)).rejects.toBe(denied);
    expect(removeImage).not.toHaveBeenCalled();
  });

  it('checks every image of an export exists before the engine starts the tar', async () => {
    const exportImages = vi.fn();
    const missing = new ProblemException(404, 'IMAGE_NOT_FOUND', 'No such image: b:1');
    const service = new ImagesService(
      fakeHosts(fakeEngine({ inspectImage: async (ref: string) => (ref === 'b:1' ? Promise.reject(missing) : { Id: 'x' }), exportImages })),
      policy(),
      jobs(),
      new AppConfig(),
    );
    await expect(service.export('local', ['a:1', 'b:1'], new AbortController().signal)).rejects.toBe(missing);
    expect(exportImages).not.toHaveBeenCalled();
  });

  it('imports as a job: the tar streamed into the engine, bytes as progress, the loaded references as the result', async () => {
    let received = '';
    const loadImages = vi.fn(async (tar: Readable) => {
      for await (const chunk of tar) received += String(chunk);
      return ['app:1'];
    });
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages })), policy(), jobs(), new AppConfig());
    // An admin's body goes to the engine as it is, read or not (a non-admin's must be a tar Berth can read).
    const job = (await service.import('local', Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4, admin)) as unknown as {
      kind: string;
      result: unknown;
      progress: JobProgress[];
      output: string[];
    };
    expect(received).toBe('abcd');
    expect(job).toMatchObject({ kind: 'import', result: { loaded: ['app:1'] }, output: ['Loaded image: app:1'] });
    expect(job.progress.map((p) => p.percent)).toEqual([100, 100]);
  });

  it("refuses a non-admin's body that is no tar Berth can read (400), before the engine sees a byte", async () => {
    const loadImages = vi.fn(async () => []);
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages })), policy(), jobs(), new AppConfig());
    await expect(service.import('local', Readable.from([Buffer.alloc(2048, 'x')]), 2048, operator)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(loadImages).not.toHaveBeenCalled();
  });

  it('authorizes every tag the tar would write before the engine sees a byte, and loads nothing when one is refused', async () => {
    const loadImages = vi.fn(async () => ['busybox:latest']);
    const denied = new ProblemException(403, 'POLICY_DENIED', 'busybox:latest is the image of a policy exception');
    const authorize = vi.fn(async (_engine: unknown, ref: string) => (ref === 'busybox:latest' ? Promise.reject(denied) : undefined));
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages })), policy(authorize as never), jobs(), new AppConfig());
    const tar = tarFromFiles({ 'manifest.json': JSON.stringify([{ RepoTags: ['app:1'] }]), repositories: '{"busybox":{"latest":"x"}}' });
    await expect(service.import('local', Readable.from([tar]), tar.length, undefined)).rejects.toBe(denied);
    expect(authorize.mock.calls.map((call) => call[1])).toEqual(['app:1', 'busybox:latest']);
    expect(loadImages).not.toHaveBeenCalled();
  });

  it('authorizes the tags again when the import leaves the queue, and loads nothing when one is refused then', async () => {
    const loadImages = vi.fn(async () => ['app:1']);
    const denied = new ProblemException(403, 'POLICY_DENIED', 'app:1 is the image of the policy exception admin-app');
    const authorize = vi.fn().mockResolvedValueOnce(undefined).mockRejectedValueOnce(denied);
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages })), policy(authorize as never), jobs(), new AppConfig());
    const tar = tarFromFiles({ 'manifest.json': JSON.stringify([{ RepoTags: ['app:1'] }]) });
    await expect(service.import('local', Readable.from([tar]), tar.length, undefined)).rejects.toBe(denied);
    expect(authorize.mock.calls.map((call) => call[1])).toEqual(['app:1', 'app:1']);
    expect(loadImages).not.toHaveBeenCalled();
  });

  it('refuses an import larger than BERTH_IMPORT_MAX_BYTES with 413, announced or not', async () => {
    const loadImages = vi.fn();
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages })), policy(), jobs(), new AppConfig({ importMaxBytes: 1024 }));
    await expect(service.import('local', Readable.from([Buffer.alloc(10)]), 2048, undefined)).rejects.toMatchObject({ status: 413 });
    await expect(service.import('local', Readable.from([Buffer.alloc(2048)]), null, undefined)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(loadImages).not.toHaveBeenCalled();
  });

  it('fails an import that loaded nothing', async () => {
    const service = new ImagesService(fakeHosts(fakeEngine({ loadImages: async () => [] })), policy(), jobs(), new AppConfig());
    await expect(service.import('local', Readable.from([Buffer.from('x')]), null, undefined)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it.each([
    [0, 100, 0],
    [50, 100, 50],
    [100, 100, 100],
    [150, 100, 100],
    [10, null, null],
  ])('upload progress %i of %s is %s %%', (current, total, percent) => {
    expect(uploadProgress(current, total)).toEqual({ percent, currentBytes: current, totalBytes: total, layers: [] });
  });
});
