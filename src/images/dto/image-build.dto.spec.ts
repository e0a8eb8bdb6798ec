import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { isTagName } from '../../docker/image-ref.js';
import { ImageBuildDto, ImageBuildQueryDto } from './image-build.dto.js';
import { ImageExportQueryDto } from './image-query.dto.js';

const invalid = <T extends object>(type: new () => T, plain: object) =>
  validateSync(plainToInstance(type, plain), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe('build options', () => {
  it.each([
    ['app', true],
    ['team/app:1.0', true],
    ['localhost:5001/team/app:v1.2-rc_3', true],
    ['registry.example.com/a/b/c', true],
    ['berth-test/e2e-build-abc123:tar', true],
    // As the engine reads it: an uppercase first part can only be a registry host (`Team` is one), not a path.
    ['Team/app', true],
    ['team/App', false],
    ['myhost:5000/app', true],
    ['Registry.Example.com/app', true],
    ['localhost/app', true],
    ['app:', false],
    ['app:-x', false],
    ['app@sha256:abc', false],
    ['/app', false],
    ['app//x', false],
    ['app:1 0', false],
    ['', false],
  ])('tag %j valid: %s', (tag, valid) => {
    expect(isTagName(tag)).toBe(valid);
  });

  it.each<[Record<string, unknown>, string[]]>([
    [{ tag: 'a:1' }, []],
    [{ tag: ['a:1', 'b'], dockerfile: 'build/Dockerfile', buildArg: 'A=1', label: ['k=v', 'x='], noCache: 'true', pull: '0' }, []],
    [{ tag: 'a', dockerfile: '../Dockerfile' }, ['dockerfile']],
    [{ tag: 'a', dockerfile: '/etc/Dockerfile' }, ['dockerfile']],
    [{ tag: 'UPPER' }, ['tag']],
    [{ tag: 'a', buildArg: 'NOVALUE' }, ['buildArg']],
    [{ tag: 'a', label: '=v' }, ['label']],
    [{ tag: 'a', noCache: 'yes' }, ['noCache']],
    [{ tag: 'a', target: 'a b' }, ['target']],
    [{ tag: 'a', platform: 'linux amd64' }, ['platform']],
    [{ tag: 'a', networkmode: 'host' }, ['networkmode']],
  ])('query %j → invalid %j', (query, fields) => {
    expect(invalid(ImageBuildQueryDto, query)).toEqual(fields);
  });

  it.each<[Record<string, unknown>, string[]]>([
    [{ dockerfile: 'FROM busybox', tags: ['a'] }, []],
    [{ dockerfile: 'FROM busybox', tags: ['a'], files: { 'src/a.txt': 'x' }, buildArgs: { A: '1' }, labels: { k: 'v' } }, []],
    [{ dockerfile: 'FROM busybox', tags: [] }, ['tags']],
    [{ dockerfile: 'FROM busybox', tags: ['a'], files: { '../x': 'x' } }, ['files']],
    [{ dockerfile: 'FROM busybox', tags: ['a'], files: { '/x': 'x' } }, ['files']],
    [{ dockerfile: 'FROM busybox', tags: ['a'], files: { Dockerfile: 'x' } }, ['files']],
    [{ dockerfile: 'FROM busybox', tags: ['a'], files: { x: 1 } }, ['files']],
    [{ dockerfile: 'FROM busybox', tags: ['a'], extrahosts: 'x:1.2.3.4' }, ['extrahosts']],
    [{ tags: ['a'] }, ['dockerfile']],
  ])('body %j → invalid %j', (body, fields) => {
    expect(invalid(ImageBuildDto, body)).toEqual(fields);
  });

  it("takes up to 100 build args and labels, past the query parser's limit of 20 repeats", () => {
    // qs hands over a parameter repeated more than 20 times as an object keyed "0", "1", ...
    const repeated = (count: number, value: (i: number) => string) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), value(i)]));
    expect(
      invalid(ImageBuildQueryDto, { tag: 'a', buildArg: repeated(25, (i) => `A${i}=${i}`), label: repeated(30, (i) => `k${i}=v`) }),
    ).toEqual([]);
    expect(invalid(ImageBuildQueryDto, { tag: 'a', buildArg: repeated(101, (i) => `A${i}=${i}`) })).toEqual(['buildArg']);
  });

  it('exports up to 20 more images in one tar: each is inspected first', () => {
    const refs = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), `app:${i}`]));
    expect(invalid(ImageExportQueryDto, { ref: refs(20) })).toEqual([]);
    expect(invalid(ImageExportQueryDto, { ref: refs(21) })).toEqual(['ref']);
  });
});
