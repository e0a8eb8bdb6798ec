import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarFromFiles } from './build-context.js';
import {
  MAX_MANIFEST_BYTES,
  cleanTarName,
  loadedTags,
  manifestTags,
  paxRecords,
  readTarTagFiles,
  repositoriesTags,
  tarNumber,
} from './image-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-archive-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function onDisk(content: Buffer): string {
  const path = join(dir, `t${count++}.tar`);
  writeFileSync(path, content);
  return path;
}

/** Rewrites the first header's typeflag (and name, when given) of a tar made by tarFromFiles, its checksum again right. */
function withType(tar: Buffer, type: string, name?: string, at = 0): Buffer {
  const out = Buffer.from(tar);
  out.write(type, at + 156, 1, 'latin1');
  if (name !== undefined) out.fill(0, at, at + 100).write(name, at, 100, 'latin1');
  out.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += out[i];
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 8, 'latin1');
  return out;
}

const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: ['app:1', 'team/app:latest'], Layers: ['l/layer.tar'] }]);

describe('readTarTagFiles', () => {
  it('finds manifest.json and repositories among other entries, skipping data it does not need', async () => {
    const tar = tarFromFiles({
      'abc/layer.tar': 'x'.repeat(1500),
      'manifest.json': manifest,
      'c.json': '{}',
      repositories: '{"old":{"v1":"abc"}}',
    });
    const found = await readTarTagFiles(onDisk(tar));
    expect(loadedTags(found)).toEqual(['app:1', 'team/app:latest', 'old:v1']);
  });

  it('reads a ustar prefix and a GNU long name as the engine names the member', async () => {
    const prefixed = Buffer.from(tarFromFiles({ 'manifest.json': manifest }));
    prefixed.write('.', 345, 'latin1'); // prefix "." + "/manifest.json" cleans to manifest.json
    const found = await readTarTagFiles(onDisk(withType(prefixed, '0')));
    expect(loadedTags(found)).toEqual(['app:1', 'team/app:latest']);

    const longName = Buffer.concat([
      withType(tarFromFiles({ L: 'manifest.json\0' }).subarray(0, 1024), 'L', '././@LongLink'),
      tarFromFiles({ decoy: manifest }),
    ]);
    expect(loadedTags(await readTarTagFiles(onDisk(longName)))).toEqual(['app:1', 'team/app:latest']);
  });

  it('reads a PAX path record as the member name', async () => {
    const record = ' path=manifest.json\n';
    const pax = `${record.length + 2}${record}`;
    const tar = Buffer.concat([withType(tarFromFiles({ PaxHeader: pax }).subarray(0, 1024), 'x'), tarFromFiles({ decoy: manifest })]);
    expect(loadedTags(await readTarTagFiles(onDisk(tar)))).toEqual(['app:1', 'team/app:latest']);
  });

  it('judges every copy of a tag file (the engine keeps the last)', async () => {
    const second = JSON.stringify([{ RepoTags: ['evil:1'] }]);
    const tar = Buffer.concat([
      tarFromFiles({ 'manifest.json': manifest }).subarray(0, 1024),
      withType(tarFromFiles({ x: second }), '0', './manifest.json'),
    ]);
    expect(loadedTags(await readTarTagFiles(onDisk(tar)))).toEqual(['app:1', 'team/app:latest', 'evil:1']);
  });

  describe("strict (a non-admin's load): what another reader could name differently is refused", () => {
    const paxHeader = (records: string) => {
      const record = records;
      return withType(tarFromFiles({ PaxHeader: record }).subarray(0, 1024), 'x');
    };
    const pathRecord = (path: string) => {
      const body = ` path=${path}\n`;
      let length = body.length + 2;
      if (`${length}${body}`.length !== length) length++;
      return `${length}${body}`;
    };

    it.each([
      [
        'a PAX path and a GNU long name for one member',
        () =>
          Buffer.concat([
            paxHeader(pathRecord('decoy2')),
            withType(tarFromFiles({ L: 'manifest.json\0' }).subarray(0, 1024), 'L', '././@LongLink'),
            tarFromFiles({ decoy: manifest }),
          ]),
      ],
      [
        'two PAX headers for one member',
        () => Buffer.concat([paxHeader(pathRecord('decoy2')), paxHeader(pathRecord('manifest.json')), tarFromFiles({ decoy: manifest })]),
      ],
      ['an empty PAX path', () => Buffer.concat([paxHeader('8 path=\n'), withType(tarFromFiles({ x: manifest }), '0', 'manifest.json')])],
      [
        'a member written through a symlink (d -> ., then d/manifest.json)',
        () =>
          Buffer.concat([
            withType(tarFromFiles({ d: '' }).subarray(0, 512), '2', 'd'),
            withType(tarFromFiles({ x: manifest }), '0', 'd/manifest.json'),
          ]),
      ],
    ])('%s', async (_case, make) => {
      const path = onDisk(make());
      await expect(readTarTagFiles(path, undefined, { strict: true })).rejects.toMatchObject({ status: 400 });
    });

    it("reads docker save's own layout (layer links between layer directories) as before", async () => {
      const tar = Buffer.concat([
        tarFromFiles({ 'a/layer.tar': 'x' }).subarray(0, 1024),
        withType(tarFromFiles({ x: '' }).subarray(0, 512), '2', 'b/layer.tar'),
        tarFromFiles({ 'manifest.json': manifest }),
      ]);
      expect(loadedTags(await readTarTagFiles(onDisk(tar), undefined, { strict: true }))).toEqual(['app:1', 'team/app:latest']);
    });
  });

  it.each([
    ['no tar at all', Buffer.alloc(4096, 'x')],
    ['a body shorter than a block', Buffer.from('abcd')],
  ])('answers unreadable for %s (the engine refuses it too)', async (_case, body) => {
    expect(await readTarTagFiles(onDisk(body))).toEqual({ unreadable: true });
  });

  it.each([
    ['a tar without tag files', tarFromFiles({ a: 'b' })],
    ['an empty body', Buffer.alloc(0)],
  ])('reads %s as no tags', async (_case, body) => {
    expect(loadedTags(await readTarTagFiles(onDisk(body)))).toEqual([]);
  });

  it.each([
    ['gzip', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), 415],
    ['a symlinked manifest', withType(tarFromFiles({ 'manifest.json': 'x' }), '2'), 400],
    ['a hard-linked repositories', withType(tarFromFiles({ repositories: 'x' }), '1'), 400],
    ['an oversized manifest', tarFromFiles({ 'manifest.json': ' '.repeat(MAX_MANIFEST_BYTES + 1) }), 400],
    ['a truncated entry', tarFromFiles({ a: 'x'.repeat(2000) }).subarray(0, 1024), 400],
    ['a bad checksum after the first header', Buffer.concat([tarFromFiles({ a: 'b' }).subarray(0, 1024), Buffer.alloc(512, 'x')]), 400],
    ['a manifest that is not JSON', tarFromFiles({ 'manifest.json': '[{' }), 400],
  ])('refuses %s', async (_case, body, status) => {
    await expect(readTarTagFiles(onDisk(body)).then(loadedTags)).rejects.toMatchObject({ status });
  });
});

describe('tar fields', () => {
  it.each([
    ['00000000017\0', 15],
    ['     17 ', 15],
    ['', 0],
    ['9', undefined],
    // Go's parseOctal: trimmed, then up to the first NUL.
    ['04567\0zz', 0o4567],
  ])('reads the number %j as %s', (text, value) => {
    expect(tarNumber(Buffer.from(text, 'latin1'))).toBe(value);
  });

  it('reads a base-256 number', () => {
    expect(tarNumber(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]))).toBe(256);
  });

  it.each([
    ['manifest.json', 'manifest.json'],
    ['./manifest.json', 'manifest.json'],
    ['/manifest.json', 'manifest.json'],
    ['a/../manifest.json', 'manifest.json'],
    ['../manifest.json', 'manifest.json'],
    ['repositories/', 'repositories'],
    ['x/manifest.json', 'x/manifest.json'],
  ])('cleans the member name %j to %j', (name, clean) => {
    expect(cleanTarName(name)).toBe(clean);
  });

  it('reads PAX path and size records', () => {
    expect(paxRecords(Buffer.from('22 path=manifest.json\n12 size=100\n'))).toEqual({ path: 'manifest.json', size: 100 });
  });
});

describe('tag files', () => {
  it.each([
    [manifest, ['app:1', 'team/app:latest']],
    ['[{"repotags":["a:1"]},{"REPOTAGS":["b:2"],"RepoTags":["c:3"]}]', ['a:1', 'b:2', 'c:3']],
    ['[{"RepoTags":null},{}]', []],
    ['{"RepoTags":["a:1"]}', []],
    // Go folds ſ as s when it matches a field name: `RepoTagſ` is RepoTags to the engine.
    ['[{"RepoTag\u017f":["d:4"]}]', ['d:4']],
  ])('reads the tags of manifest %s', (content, tags) => {
    expect(manifestTags(Buffer.from(content))).toEqual(tags);
  });

  it.each([
    ['{"busybox":{"latest":"abc","v1":"def"}}', ['busybox:latest', 'busybox:v1']],
    ['{"a":"b"}', []],
    ['[]', []],
  ])('reads the tags of repositories %s', (content, tags) => {
    expect(repositoriesTags(Buffer.from(content))).toEqual(tags);
  });
});
