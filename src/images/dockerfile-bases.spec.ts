import { describe, expect, it } from 'vitest';
import { addedUrls, dockerfileBases, dockerfileInstructions } from './dockerfile-bases.js';

describe('dockerfileBases', () => {
  it.each<[string, string, Record<string, string>, string[], string[]]>([
    ['one FROM', 'FROM team/app:1\nRUN true\n', {}, ['team/app:1'], []],
    ['lowercase keyword, --platform and AS', 'from --platform=linux/amd64 team/app:1 as build\n', {}, ['team/app:1'], []],
    ['a later stage named after an earlier one', 'FROM team/app:1 AS build\nFROM build\nFROM Build AS again\n', {}, ['team/app:1'], []],
    ['a stage named like its own image still pulls it', 'FROM busybox AS busybox\n', {}, ['busybox'], []],
    ['scratch is no image', 'FROM scratch\nCOPY a /a\n', {}, [], []],
    ['each base once, in order', 'FROM a:1\nFROM b:2\nFROM a:1\n', {}, ['a:1', 'b:2'], []],
    ['a registry with a port', 'FROM localhost:5001/team/app:1.0\n', {}, ['localhost:5001/team/app:1.0'], []],
    ['comments and blank lines', '# syntax and words\n\n  # indented\nFROM app:1 # not a comment mid-line\n', {}, ['app:1'], []],
    ['a continuation', 'FROM \\\n  --platform=linux/arm64 \\\n  app:2\n', {}, ['app:2'], []],
    ['the escape directive', '# escape=`\nFROM `\n  app:3\n', {}, ['app:3'], []],
    ['an ARG default', 'ARG TAG=1.2\nFROM app:${TAG}\n', {}, ['app:1.2'], []],
    ['an ARG default, quoted', 'ARG TAG="1.2"\nFROM app:$TAG\n', {}, ['app:1.2'], []],
    ['a build argument over the default', 'ARG TAG=1.2\nFROM app:${TAG}\n', { TAG: '2.0' }, ['app:2.0'], []],
    ['a build argument for an ARG without default', 'ARG BASE\nFROM ${BASE}\n', { BASE: 'team/x:9' }, ['team/x:9'], []],
    ['${VAR:-word} when unset', 'ARG TAG\nFROM app:${TAG:-latest}\n', {}, ['app:latest'], []],
    ['${VAR:+word} when set', 'ARG DEV=1\nFROM app${DEV:+-dev}:1\n', {}, ['app-dev:1'], []],
    ['an ARG without value and no build argument: unresolved', 'ARG BASE\nFROM ${BASE}\n', {}, [], ['${BASE}']],
    ['an undeclared variable: unresolved (build args reach FROM only if declared)', 'FROM app:${TAG}\n', { TAG: '1' }, [], ['app:${TAG}']],
    ['an ARG after the first FROM does not reach a later FROM', 'FROM a:1\nARG T=2\nFROM b:${T}\n', {}, ['a:1'], ['b:${T}']],
    ['COPY --from an image pulls it', 'FROM scratch\ncopy --from=team/tool:1 /bin/x /x\n', {}, ['team/tool:1'], []],
    [
      'COPY --from a stage or its index pulls nothing',
      'FROM a:1 AS build\nFROM b:2\nCOPY --from=Build /x /x\nCOPY --from=0 /y /y\n',
      {},
      ['a:1', 'b:2'],
      [],
    ],
    ['COPY --from through an ARG', 'ARG TOOL=team/tool:2\nFROM scratch\nCOPY --from=${TOOL} /x /x\n', {}, ['team/tool:2'], []],
    ['COPY --from a variable without a value: unresolved', 'FROM scratch\nCOPY --from=${TOOL} /x /x\n', {}, [], ['${TOOL}']],
  ])('%s', (_name, dockerfile, buildArgs, refs, unresolved) => {
    expect(dockerfileBases(dockerfile, buildArgs)).toEqual({ refs, unresolved });
  });

  it('joins continuations and drops comment lines inside them', () => {
    expect(dockerfileInstructions('RUN a \\\n# note\n  b\nFROM x')).toEqual(['RUN a    b', 'FROM x']);
  });
});

describe('addedUrls', () => {
  it.each([
    ['FROM a\nADD https://example.com/x.tgz /x\n', ['https://example.com/x.tgz']],
    ['FROM a\nadd --chown=1:1 http://127.0.0.1:2375/containers/json /j\n', ['http://127.0.0.1:2375/containers/json']],
    ['FROM a\nADD ["http://169.254.169.254/latest/meta-data/", "/m"]\n', ['http://169.254.169.254/latest/meta-data/']],
    ['FROM a\nARG U=http://x\nADD $U /u\n', ['$U']],
    ['FROM a\nADD \\\n  ftp://x/y /y\n', ['ftp://x/y']],
    ['FROM a\nADD app.tar.gz /srv/\nADD ["a b", "c/"]\nCOPY http.conf /etc/\n', []],
    // Quotes and escapes the engine's word expansion removes; flags before the JSON form; ONBUILD.
    ['FROM a\nADD "http://127.0.0.1:2375/version" /v\n', ['"http://127.0.0.1:2375/version"']],
    ['FROM a\nADD ht\\tp://x/y /y\n', ['ht\\tp://x/y']],
    ['FROM a\nADD --chown=0 ["http://127.0.0.1/x","/x"]\n', ['http://127.0.0.1/x']],
    ['FROM a\nONBUILD ADD http://x/y /y\n', ['http://x/y']],
    // A line a newer parser would not join to the one before (a doubled escape) is read on its own too.
    ['FROM a\nRUN echo \\\\\nADD http://x/z /z\n', ['http://x/z']],
    // `syntax` before `escape`: the backtick escapes, so the backslash line does not continue.
    ['# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN echo \\\nADD http://x/w /w\n', ['http://x/w']],
    ['FROM a\nRUN wget https://example.com/x\n', []],
  ])('%j → %j', (dockerfile, urls) => {
    expect(addedUrls(dockerfile)).toEqual(urls);
  });
});
