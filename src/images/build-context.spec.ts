import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { contextDockerfile, contextPathProblem, spoolContext, tarFromFiles } from './build-context.js';

/** The entries of a ustar archive: name, size, content; checksums verified. */
function readTar(tar: Buffer): Array<{ name: string; content: string }> {
  const entries: Array<{ name: string; content: string }> = [];
  let offset = 0;
  while (offset + 512 <= tar.length && tar[offset] !== 0) {
    const header = tar.subarray(offset, offset + 512);
    const text = (from: number, length: number) => header.toString('utf8', from, from + length).replace(/\0.*$/s, '');
    const stored = parseInt(text(148, 8).trim(), 8);
    const sum = [...header].reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
    expect(sum).toBe(stored);
    expect(text(257, 6)).toBe('ustar');
    const size = parseInt(text(124, 12), 8);
    entries.push({ name: text(0, 100), content: tar.toString('utf8', offset + 512, offset + 512 + size) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  expect(tar.subarray(offset)).toEqual(Buffer.alloc(1024));
  return entries;
}

describe('contextPathProblem', () => {
  it.each([
    ['Dockerfile', undefined],
    ['docker/Dockerfile.prod', undefined],
    ['a b/ü.txt', undefined],
    ['', 'is empty'],
    ['/etc/passwd', 'is absolute'],
    ['../Dockerfile', 'holds a `..`, `.` or empty segment'],
    ['a/../../b', 'holds a `..`, `.` or empty segment'],
    ['./Dockerfile', 'holds a `..`, `.` or empty segment'],
    ['a//b', 'holds a `..`, `.` or empty segment'],
    ['a/', 'holds a `..`, `.` or empty segment'],
    ['a\\..\\b', 'holds a backslash or a control character'],
    ['a\nb', 'holds a backslash or a control character'],
    ['x'.repeat(256), 'is longer than 255 bytes'],
  ])('%j → %j', (path, problem) => {
    expect(contextPathProblem(path)).toBe(problem);
  });
});

describe('tarFromFiles', () => {
  it('makes a ustar archive of the files, padded to blocks and ended by two zero blocks', () => {
    const files = { Dockerfile: 'FROM scratch\n', 'dir/ünïcode.txt': 'é'.repeat(300), empty: '' };
    expect(readTar(tarFromFiles(files))).toEqual(Object.entries(files).map(([name, content]) => ({ name, content })));
  });

  it.each(['../x', '/x', 'a'.repeat(101)])('refuses the path %j', (path) => {
    expect(() => tarFromFiles({ [path]: 'x' })).toThrow(/context path/);
  });
});

describe('spoolContext', () => {
  it('keeps the upload on disk and hands it back whole', async () => {
    const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(24, 2)];
    const spool = await spoolContext(Readable.from(chunks), 1024);
    const read: Buffer[] = [];
    for await (const chunk of spool.open()) read.push(chunk as Buffer);
    expect(Buffer.concat(read)).toEqual(Buffer.concat(chunks));
    expect(spool.bytes).toBe(1024);
    await spool.remove();
  });

  it('refuses an upload past the cap with 413, whatever it declared', async () => {
    const refused = spoolContext(Readable.from([Buffer.alloc(1000), Buffer.alloc(25)]), 1024);
    await expect(refused).rejects.toBeInstanceOf(ProblemException);
    await expect(refused).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('contextDockerfile', () => {
  const written = (files: Record<string, string>) => {
    const path = join(mkdtempSync(join(tmpdir(), 'berth-context-')), 'context.tar');
    writeFileSync(path, tarFromFiles(files));
    return path;
  };

  it('reads the Dockerfile named, and `dockerfile` where `Dockerfile` is missing, as the engine does', async () => {
    expect(await contextDockerfile(written({ Dockerfile: 'FROM a\n', dockerfile: 'FROM b\n' }))).toBe('FROM a\n');
    expect(await contextDockerfile(written({ dockerfile: 'FROM b\n' }))).toBe('FROM b\n');
    expect(await contextDockerfile(written({ 'build/App.Dockerfile': 'FROM c\n' }), 'build/App.Dockerfile')).toBe('FROM c\n');
    expect(await contextDockerfile(written({ other: 'x' }))).toBeUndefined();
  });
});
