import { describe, expect, it } from 'vitest';
import type { EngineImageHistoryItem, EngineImageSummary } from '../docker/engine-types.js';
import type { ImageInspectDto } from './dto/image-summary.dto.js';
import { containerCounts, redactImageInspect, toHistoryItem, toImageSummary, toRemoved } from './image-views.js';
import { redactBuildStep } from '../common/redaction.js';

const summary = (over: Partial<EngineImageSummary>): EngineImageSummary =>
  ({
    Id: 'sha256:a',
    ParentId: '',
    RepoTags: ['app:1'],
    RepoDigests: [],
    Created: 1_700_000_000,
    Size: 42,
    VirtualSize: 42,
    SharedSize: -1,
    Labels: { a: 'b' },
    Containers: -1,
    ...over,
  }) as EngineImageSummary;

describe('image views', () => {
  it('counts containers per image id, whatever their state', () => {
    const counts = containerCounts([{ ImageID: 'sha256:a' }, { ImageID: 'sha256:b' }, { ImageID: 'sha256:a' }]);
    expect(Object.fromEntries(counts)).toEqual({ 'sha256:a': 2, 'sha256:b': 1 });
  });

  it.each([
    ['a used image: Berth counts, the engine says -1', summary({}), new Map([['sha256:a', 3]]), { containers: 3, repoTags: ['app:1'] }],
    ['an unused one', summary({}), new Map(), { containers: 0 }],
    [
      'a dangling one: the engine placeholders are no names',
      summary({ RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Labels: null as never }),
      new Map(),
      { repoTags: [], repoDigests: [], labels: {} },
    ],
    [
      'no tags at all (null)',
      summary({ RepoTags: null as never, RepoDigests: null as never }),
      new Map(),
      { repoTags: [], repoDigests: [] },
    ],
  ])('summarises %s', (_name, image, counts, expected) => {
    expect(toImageSummary(image, counts)).toMatchObject({
      id: 'sha256:a',
      sizeBytes: 42,
      createdAt: '2023-11-14T22:13:20.000Z',
      ...expected,
    });
  });

  it.each([
    [
      { Id: 'sha256:x', Created: 1_700_000_000, CreatedBy: '/bin/sh -c #(nop)  LABEL a=b', Tags: ['app:1'], Size: 0, Comment: '' },
      { id: 'sha256:x', tags: ['app:1'], createdBy: '/bin/sh -c #(nop)  LABEL a=b', sizeBytes: 0, createdAt: '2023-11-14T22:13:20.000Z' },
    ],
    [
      { Id: '<missing>', Created: 0, CreatedBy: 'ADD file', Tags: null, Size: 1000, Comment: 'imported' },
      { id: null, tags: [], sizeBytes: 1000, comment: 'imported' },
    ],
  ])('a history layer %#', (layer, expected) => {
    expect(toHistoryItem(layer as EngineImageHistoryItem)).toMatchObject(expected);
  });

  it('reads what rmi untagged and deleted from its lines', () => {
    expect(toRemoved([{ Untagged: 'app:1' }, { Untagged: 'app@sha256:d' }, { Deleted: 'sha256:a' }, { Deleted: 'sha256:l' }])).toEqual({
      untagged: ['app:1', 'app@sha256:d'],
      deleted: ['sha256:a', 'sha256:l'],
    });
  });
});

describe('what viewers see of an image', () => {
  it.each([
    ['a classic ENV step', '/bin/sh -c #(nop)  ENV SECRET_TOKEN=s3cr3t', '/bin/sh -c #(nop)  ENV SECRET_TOKEN=<redacted>'],
    [
      'several pairs, a value with spaces',
      '/bin/sh -c #(nop)  ENV A=1 OTHER=two words B=x',
      '/bin/sh -c #(nop)  ENV A=<redacted> OTHER=<redacted> B=<redacted>',
    ],
    ['the legacy ENV KEY value form', 'ENV LEGACY legacy value', 'ENV LEGACY <redacted>'],
    ['an ARG with a default', '/bin/sh -c #(nop)  ARG BUILD_TOKEN=dflt', '/bin/sh -c #(nop)  ARG BUILD_TOKEN=<redacted>'],
    ['an ARG without a value: nothing to hide', '/bin/sh -c #(nop)  ARG OTHER', '/bin/sh -c #(nop)  ARG OTHER'],
    ['a BuildKit ENV step', 'ENV PASSWORD=x', 'ENV PASSWORD=<redacted>'],
    [
      "a RUN's build arguments, up to the shell",
      '|2 BUILD_TOKEN=arg-s3cret OTHER=sp ace /bin/sh -c echo hi',
      '|2 BUILD_TOKEN=<redacted> OTHER=<redacted> /bin/sh -c echo hi',
    ],
    ['a BuildKit RUN with arguments', 'RUN |1 T=x /bin/sh -c make', 'RUN |1 T=<redacted> /bin/sh -c make'],
    ['a RUN in exec form with arguments: N words', '|1 T=x make all', '|1 T=<redacted> make all'],
    ['a RUN without arguments is kept', '/bin/sh -c echo A=1', '/bin/sh -c echo A=1'],
    ['a LABEL is kept', '/bin/sh -c #(nop)  LABEL berth.test=1', '/bin/sh -c #(nop)  LABEL berth.test=1'],
    ['a COPY is kept', '/bin/sh -c #(nop) COPY file:abc in /x ', '/bin/sh -c #(nop) COPY file:abc in /x '],
  ])('history: %s', (_name, line, expected) => {
    expect(redactBuildStep(line)).toBe(expected);
  });

  it('inspect: env values in Config and ContainerConfig, and the last step command, redacted; the rest kept', () => {
    const view = {
      id: 'sha256:a',
      cmd: ['sh'],
      raw: {
        Id: 'sha256:a',
        Config: { Env: ['PATH=/bin', 'SECRET_TOKEN=s3cr3t'], Cmd: ['sh'] },
        ContainerConfig: { Env: ['SECRET_TOKEN=s3cr3t'], Cmd: ['|1', 'BUILD_TOKEN=arg-s3cret', '/bin/sh', '-c', 'echo hi'] },
      },
    } as unknown as ImageInspectDto;
    const redacted = redactImageInspect(view);
    expect(JSON.stringify(redacted)).not.toContain('s3cret');
    expect(JSON.stringify(redacted)).not.toContain('s3cr3t');
    expect(redacted.raw).toEqual({
      Id: 'sha256:a',
      Config: { Env: ['PATH=<redacted>', 'SECRET_TOKEN=<redacted>'], Cmd: ['sh'] },
      ContainerConfig: { Env: ['SECRET_TOKEN=<redacted>'], Cmd: ['|1', 'BUILD_TOKEN=<redacted>', '/bin/sh', '-c', 'echo hi'] },
    });
    expect(redactImageInspect({ ...view, raw: { Id: 'x', Config: null } }).raw).toEqual({ Id: 'x', Config: null });
  });
});
