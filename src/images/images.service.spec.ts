import { describe, expect, it, vi } from 'vitest';
import { ProblemException } from '../common/problem.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { ImagesService, toImageListQuery } from './images.service.js';

const policy = (authorize = vi.fn(async () => undefined)) => ({ authorizeTagReplacement: authorize }) as unknown as ContainerPolicy;
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
    const service = new ImagesService(fakeHosts(fakeEngine({ listImages, listContainers })), policy());
    // The first starts at once; the two that arrive meanwhile share the next read (never an older answer).
    const [first, second, third] = await Promise.all([service.list('local', {}), service.list('local', {}), service.list('local', {})]);
    expect(first[0].containers).toBe(2);
    expect(third).toBe(second);
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
    );
    const problem = (await service.remove('local', 'app:1', {}).catch((e: unknown) => e)) as ProblemException;
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
    );
    await expect(service.remove('local', 'sha256:a', {})).rejects.toBe(original);
  });

  it('answers what was untagged and deleted', async () => {
    const removeImage = vi.fn(async () => [{ Untagged: 'app:1' }, { Deleted: 'sha256:a' }]);
    const service = new ImagesService(fakeHosts(fakeEngine({ removeImage })), policy());
    await expect(service.remove('local', 'app:1', { force: true })).resolves.toEqual({ untagged: ['app:1'], deleted: ['sha256:a'] });
    expect(removeImage).toHaveBeenCalledWith('app:1', { force: true, noprune: false });
  });

  it('checks every image of an export exists before the engine starts the tar', async () => {
    const exportImages = vi.fn();
    const missing = new ProblemException(404, 'IMAGE_NOT_FOUND', 'No such image: b:1');
    const service = new ImagesService(
      fakeHosts(fakeEngine({ inspectImage: async (ref: string) => (ref === 'b:1' ? Promise.reject(missing) : { Id: 'x' }), exportImages })),
      policy(),
    );
    await expect(service.export('local', ['a:1', 'b:1'], new AbortController().signal)).rejects.toBe(missing);
    expect(exportImages).not.toHaveBeenCalled();
  });
});
