import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import {
  canonicalImageRef,
  imageRefError,
  parseImageRef,
  parseImageReference,
  parseRepositoryPath,
  parseTag,
  parseTagTarget,
  registryHost,
  withDefaultTag,
} from './image-ref.js';

describe('image references', () => {
  it.each([
    ['busybox', { repository: 'busybox' }],
    ['busybox:1.36', { repository: 'busybox', tag: '1.36' }],
    ['localhost:5001/team/app', { repository: 'localhost:5001/team/app' }],
    ['localhost:5001/team/app:1.0', { repository: 'localhost:5001/team/app', tag: '1.0' }],
    ['app@sha256:abc', { repository: 'app', digest: 'sha256:abc' }],
    ['app:1@sha256:abc', { repository: 'app', tag: '1', digest: 'sha256:abc' }],
  ])('parses %s', (ref, parts) => {
    expect(parseImageRef(ref)).toEqual({ digest: undefined, ...parts });
  });

  it('adds :latest only where there is neither tag nor digest', () => {
    expect(withDefaultTag('busybox')).toBe('busybox:latest');
    expect(withDefaultTag('localhost:5001/app')).toBe('localhost:5001/app:latest');
    expect(withDefaultTag('localhost:5001/app:2')).toBe('localhost:5001/app:2');
    expect(withDefaultTag('app@sha256:abc')).toBe('app@sha256:abc');
    expect(withDefaultTag('sha256:0123')).toBe('sha256:0123');
  });

  it('finds the registry host', () => {
    expect(registryHost('busybox')).toBe('docker.io');
    expect(registryHost('library/busybox:1')).toBe('docker.io');
    expect(registryHost('localhost:5001/team/app:1')).toBe('localhost:5001');
    expect(registryHost('ghcr.io/org/app')).toBe('ghcr.io');
    expect(registryHost('localhost/app')).toBe('localhost');
    // An upper-case first component is a host to the engine (distribution/reference's splitDockerDomain).
    expect(registryHost('Foo/app')).toBe('Foo');
  });

  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:latest', 'docker.io/library/busybox:latest'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['team/app:2', 'docker.io/team/app:2'],
    ['localhost:5001/team/app', 'localhost:5001/team/app:latest'],
    ['localhost/app:1', 'localhost/app:1'],
    ['app@sha256:abc', 'docker.io/library/app@sha256:abc'],
    ['app:1@sha256:abc', 'docker.io/library/app:1@sha256:abc'],
    ['sha256:0123', 'sha256:0123'],
  ])('spells %s canonically as %s', (ref, canonical) => {
    expect(canonicalImageRef(ref)).toBe(canonical);
  });
});

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('the reference grammar', () => {
  it.each([
    ['busybox', { path: 'busybox' }],
    ['berth-test/busybox:latest', { path: 'berth-test/busybox', tag: 'latest' }],
    ['localhost:5001/team/app:1.0', { domain: 'localhost:5001', path: 'team/app', tag: '1.0' }],
    ['registry.example.com/a/b/c', { domain: 'registry.example.com', path: 'a/b/c' }],
    ['localhost/app', { domain: 'localhost', path: 'app' }],
    [`app@${DIGEST}`, { path: 'app', digest: DIGEST }],
    [`localhost:5001/app:v2@${DIGEST}`, { domain: 'localhost:5001', path: 'app', tag: 'v2', digest: DIGEST }],
    ['a_b__c.d-e---f:V1_x.y-z', { path: 'a_b__c.d-e---f', tag: 'V1_x.y-z' }],
    [`x:${'t'.repeat(128)}`, { path: 'x', tag: 't'.repeat(128) }],
  ])('accepts %s', (ref, parts) => {
    expect(parseImageReference(ref)).toMatchObject({ isId: false, ...parts });
  });

  it.each([DIGEST, 'sha256:abc123', 'sha256:0'])('accepts the image id or id prefix %s', (ref) => {
    expect(parseImageReference(ref)).toMatchObject({ isId: true, ref });
  });

  it.each([
    ['', 'reference'],
    ['Busybox', 'path'],
    ['team/App:1', 'path'],
    ['localhost:5001/Team/app', 'path'],
    ['a/../b', 'path'],
    ['a..b', 'path'],
    ['../x', 'registry'],
    ['a//b', 'path'],
    ['a/', 'path'],
    ['/a', 'path'],
    ['-a', 'path'],
    ['a-', 'path'],
    ['a b', 'path'],
    ['a?b', 'path'],
    [':tag', 'path'],
    ['app:', 'tag'],
    ['app:.x', 'tag'],
    ['app:-x', 'tag'],
    [`app:${'t'.repeat(129)}`, 'tag'],
    ['app:a+b', 'tag'],
    ['app@', 'digest'],
    ['app@sha256:abc', 'digest'],
    ['app@md5:0123', 'digest'],
    [`app@sha256:${'A'.repeat(64)}`, 'digest'],
    ['local_host:5001/app', 'registry'],
    ['-bad.com/app', 'registry'],
    ['localhost:50a1/app', 'registry'],
    ['localhost:/app', 'registry'],
    [`${'a'.repeat(256)}`, 'reference'],
    [`registry.io/${'a/'.repeat(130)}b`, 'reference'],
    ['sha256:', 'id'],
    ['sha256:XYZ', 'id'],
    [`sha256:${'a'.repeat(65)}`, 'id'],
  ])('rejects %j naming the %s', (ref, part) => {
    expect(imageRefError(ref)?.part).toBe(part);
    expect(() => parseImageReference(ref)).toThrow(ProblemException);
    try {
      parseImageReference(ref, 'image');
    } catch (error) {
      const problem = error as ProblemException;
      expect(problem.getStatus()).toBe(400);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.problem.errors?.[0].field).toBe(`image.${part}`);
    }
  });

  it('refuses an id where a name is needed', () => {
    expect(imageRefError(DIGEST, { allowId: false })?.part).toBe('reference');
  });
});

describe('the target of a tag', () => {
  it.each([
    ['localhost:5001/team/app', '1.0', 'localhost:5001/team/app:1.0'],
    ['berth-test/e2e-x', undefined, 'berth-test/e2e-x:latest'],
  ])('%s + %s is %s', (repo, tag, target) => {
    expect(parseTagTarget(repo, tag)).toBe(target);
  });

  it.each([
    ['App', 'x', 'repo.path'],
    ['app:1', 'x', 'repo'],
    [`app@${DIGEST}`, 'x', 'repo'],
    [DIGEST, 'x', 'repo.reference'],
    ['bad_host:1/app', 'x', 'repo.registry'],
    ['app', '-x', 'tag'],
    ['app', '', 'tag'],
    ['app', 'a/b', 'tag'],
  ])('rejects %j with tag %j naming %s', (repo, tag, field) => {
    try {
      parseTagTarget(repo, tag);
      expect.unreachable();
    } catch (error) {
      expect((error as ProblemException).problem.errors?.[0].field).toBe(field);
    }
  });
});

describe('registry repository paths and tags', () => {
  it.each(['app', 'team/app', 'my.team/app', 'a/b/c', 'team/app_x', 'team/app__x', 'team/app--x'])('%s is a repository path', (path) => {
    expect(parseRepositoryPath(path)).toBe(path);
  });

  it.each([
    ['', /is empty/],
    ['Team/app', /component 'Team'/],
    ['team//app', /empty component/],
    ['/team', /empty component/],
    ['localhost:5001/app', /component 'localhost:5001'/],
    ['team/app:1.0', /component 'app:1.0'/],
    ['a'.repeat(256), /longer than 255/],
  ])('%j is refused naming repo', (path, message) => {
    const error = (() => {
      try {
        parseRepositoryPath(path);
      } catch (e) {
        return e as ProblemException;
      }
    })();
    expect(error?.problem.errors?.[0]).toMatchObject({ field: 'repo', message: expect.stringMatching(message) });
  });

  it.each([
    ['1.0', true],
    ['latest', true],
    ['_x', true],
    ['-x', false],
    ['.x', false],
    ['', false],
    ['a'.repeat(129), false],
    ['a/b', false],
  ])('tag %j valid: %s', (tag, valid) => {
    if (valid) expect(parseTag(tag)).toBe(tag);
    else expect(() => parseTag(tag)).toThrow(ProblemException);
  });
});
