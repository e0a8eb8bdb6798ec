import { describe, expect, it, vi } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import { RegistryDirectory, type RegistryAccess } from '../registries/registry-access.js';
import type { ImageStatus } from './image-status.js';
import { ImageStatusService, mapBounded } from './image-status.service.js';
import type { UpdateChecker, UpdateQuery } from './update-checker.js';

const hex = (c: string) => c.repeat(64);
const OLD_ID = `sha256:${hex('a')}`;
const NEW_ID = `sha256:${hex('b')}`;
const OLD = `sha256:${hex('1')}`;
const NEW = `sha256:${hex('2')}`;
const REF = '127.0.0.1:5001/team/app:1.0';

class Directory extends RegistryDirectory {
  constructor(private readonly records: RegistryAccess[] = []) {
    super();
  }
  async byId(id: string) {
    return this.records.find((r) => r.id === id);
  }
  async byHost(host: string) {
    return this.records.find((r) => r.host === host);
  }
  async all() {
    return this.records;
  }
}

const images: Record<string, object> = {
  [OLD_ID]: { Id: OLD_ID, RepoDigests: [`127.0.0.1:5001/team/app@${OLD}`, `127.0.0.1:5001/team/other@${NEW}`], Architecture: 'amd64' },
  [NEW_ID]: { Id: NEW_ID, RepoDigests: [`127.0.0.1:5001/team/app@${NEW}`], Architecture: 'amd64' },
  built: { Id: `sha256:${hex('c')}`, RepoDigests: [], Architecture: 'amd64' },
};

function setUp(records: RegistryAccess[] = []) {
  const engine = fakeEngine({
    version: vi.fn(async () => ({ Os: 'linux', Arch: 'amd64', Version: '20.10', ApiVersion: '1.41' })),
    // `old` was created from REF before the tag moved: it still runs OLD_ID. The list's `gone` went away meanwhile.
    inspectContainer: vi.fn(async (id: string) => {
      if (id === hex('8')) throw new ProblemException(404, 'CONTAINER_NOT_FOUND', 'gone');
      const old = id === 'old' || id === hex('e');
      return { Id: old ? hex('e') : hex('f'), Name: old ? '/old' : '/new', Image: old ? OLD_ID : NEW_ID, Config: { Image: REF } };
    }),
    inspectImage: vi.fn(async (ref: string) => {
      const image = images[ref] ?? (ref === REF ? images[NEW_ID] : ref === 'app:local' ? images.built : undefined);
      if (!image) throw new ProblemException(404, 'IMAGE_NOT_FOUND', `No such image: ${ref}`);
      return image;
    }),
    listContainers: vi.fn(async () => [
      { Id: hex('e'), Names: ['/old'], Image: OLD_ID.slice(7, 19), ImageID: OLD_ID },
      { Id: hex('f'), Names: ['/new'], Image: REF, ImageID: NEW_ID },
      { Id: hex('9'), Names: ['/twin'], Image: REF, ImageID: NEW_ID },
      { Id: hex('8'), Names: ['/gone'], Image: 'aaaaaaaaaaaa', ImageID: OLD_ID },
      { Id: hex('7'), Names: ['/pinned'], Image: `busybox@${OLD}`, ImageID: OLD_ID },
    ]),
  });
  const checks: UpdateQuery[] = [];
  const checker = {
    check: vi.fn(async (query: UpdateQuery): Promise<ImageStatus> => {
      checks.push(query);
      const upToDate = query.localDigests.includes(NEW);
      return {
        state: upToDate ? 'up-to-date' : 'outdated',
        reason: upToDate ? 'same-digest' : 'digest-changed',
        detail: '',
        localDigests: query.localDigests,
        remoteDigest: NEW,
        checkedAt: '2026-11-26T15:00:00.000Z',
      };
    }),
  };
  const directory = new Directory(records);
  const service = new ImageStatusService(fakeHosts(engine), directory, checker as unknown as UpdateChecker);
  return { engine, checker, checks, service, directory };
}

describe('ImageStatusService', () => {
  it('compares the image the container runs, not what its tag names now', async () => {
    const { service, engine, checks } = setUp();
    const status = await service.forContainer('local', 'old');
    expect(engine.inspectImage).toHaveBeenCalledWith(OLD_ID);
    expect(status).toMatchObject({ containerName: 'old', reference: REF, imageId: OLD_ID, state: 'outdated', localDigests: [OLD] });
    expect(checks[0]).toMatchObject({ localDigests: [OLD], target: { host: '127.0.0.1:5001', repository: 'team/app', tag: '1.0' } });
    expect(await service.forContainer('local', 'new')).toMatchObject({ state: 'up-to-date', imageId: NEW_ID });
  });

  it('asks anonymously over http when no record matches a loopback registry', async () => {
    const { service, checks } = setUp([
      { id: 'r2', name: 'other', kind: 'generic', host: '127.0.0.1:50011', apiUrl: 'http://127.0.0.1:50011' },
    ]);
    const status = await service.forImage('local', REF);
    expect(checks[0].access).toEqual({ name: '127.0.0.1:5001', kind: 'generic', host: '127.0.0.1:5001', apiUrl: 'http://127.0.0.1:5001' });
    expect(status).toMatchObject({ registry: '127.0.0.1:5001', platform: 'linux/amd64' });
    expect(status).not.toHaveProperty('registryId');
  });

  it('uses the record of the exact host', async () => {
    const record: RegistryAccess = {
      id: 'r1',
      name: 'team',
      kind: 'generic',
      host: '127.0.0.1:5001',
      apiUrl: 'http://127.0.0.1:5001',
      username: 'u',
      password: 'p',
    };
    const { service, checks } = setUp([record]);
    const status = await service.forImage('local', REF);
    expect(checks[0].access).toBe(record);
    expect(status).toMatchObject({ registryId: 'r1' });
    expect(JSON.stringify(status)).not.toContain('"p"');
  });

  it.each([
    ['an image built here (no RepoDigests)', 'app:local', 'locally-built'],
    ['a reference pinned by digest', `127.0.0.1:5001/team/app@${OLD}`, 'pinned-by-digest'],
    ['an image id', OLD_ID, 'image-id'],
  ])('skips %s without asking the registry', async (_name, ref, reason) => {
    const { service, engine, checker } = setUp();
    engine.inspectImage.mockResolvedValueOnce(ref === 'app:local' ? images.built : images[OLD_ID]);
    const status = await service.forImage('local', ref);
    expect(status).toMatchObject({ state: 'skipped', reason, reference: ref });
    expect(checker.check).not.toHaveBeenCalled();
  });

  it('answers error for a record whose secret cannot be opened, and lets other failures through', async () => {
    const { service, checker, directory } = setUp();
    vi.spyOn(directory, 'byHost').mockRejectedValueOnce(
      new ProblemException(500, 'REGISTRY_SECRET_UNREADABLE', "The stored password of registry 'team' cannot be decrypted"),
    );
    expect(await service.forImage('local', REF)).toMatchObject({ state: 'error', reason: 'secret-unreadable', localDigests: [NEW] });
    expect(checker.check).not.toHaveBeenCalled();

    vi.spyOn(directory, 'byHost').mockRejectedValueOnce(new ProblemException(503, 'DATABASE_UNAVAILABLE', 'down'));
    await expect(service.forImage('local', REF)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });

  it('asks the engine its platform once per host', async () => {
    const { service, engine } = setUp();
    await service.forImage('local', REF);
    await service.forImage('local', REF);
    expect(engine.version).toHaveBeenCalledTimes(1);
  });

  it('lists every container with counts, each image and reference checked once', async () => {
    const { service, checker, engine } = setUp();
    const list = await service.forHost('local');
    expect(list.items.map((i) => [i.containerName, i.state])).toEqual([
      ['old', 'outdated'],
      ['new', 'up-to-date'],
      ['twin', 'up-to-date'],
      ['pinned', 'skipped'],
    ]);
    expect(list.counts).toEqual({ 'up-to-date': 2, outdated: 1, unknown: 0, error: 0, skipped: 1 });
    expect(checker.check).toHaveBeenCalledTimes(2);
    // ps showed an id for `old` (its tag moved): its inspect told the reference; the others were not inspected.
    expect(engine.inspectContainer.mock.calls.map(([id]) => id)).toEqual([hex('e'), hex('8')]);
  });
});

describe('mapBounded', () => {
  it('runs at most `limit` at once and keeps the order', async () => {
    let running = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
