import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { ProblemException } from '../common/problem.js';

/** The files of a `docker save` tar that name the tags `docker load` writes. */
export const TAG_FILES = ['manifest.json', 'repositories'] as const;
/** The largest manifest read (bytes): a bigger one is refused, never read into memory. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** The largest GNU long name or PAX header read (bytes). */
const MAX_META_BYTES = 64 * 1024;
const BLOCK = 512;

/** Compressed archives the engine unpacks itself (gzip, bzip2, xz, zstd): their tags cannot be read here. */
const COMPRESSED_MAGIC = [
  Buffer.from([0x1f, 0x8b]),
  Buffer.from('BZh'),
  Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
  Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
];

/** What the tar holds of TAG_FILES: each copy's content (the engine keeps the last; all are judged), or `unreadable`. */
export type TarTagFiles = { unreadable: true } | { unreadable: false; files: Map<string, Buffer[]> };

function refuse(detail: string): ProblemException {
  return new ProblemException(400, 'VALIDATION_FAILED', detail);
}

/** A numeric header field as Go's archive/tar reads it: base-256 when the high bit is set, else octal with spaces/NULs trimmed. */
export function tarNumber(field: Buffer): number | undefined {
  if (field.length > 0 && field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  // As Go's parseOctal: spaces and NULs trimmed from both ends, then the text up to the first NUL left.
  const trimmed = field.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (trimmed === '') return 0;
  const text = trimmed.split('\0')[0];
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** Whether a header's checksum holds, unsigned or signed (as Go accepts either). */
function checksumHolds(header: Buffer): boolean {
  const stored = tarNumber(header.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** A header's own name: ustar/PAX with its prefix (345-500), star with a shorter one, GNU without. */
function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const magic = header.subarray(257, 265).toString('latin1');
  if (!magic.startsWith('ustar\0')) return name;
  const star = header.subarray(508, 512).toString('latin1') === 'tar\0';
  const prefix = cString(header.subarray(345, star ? 476 : 500));
  return prefix ? `${prefix}/${name}` : name;
}

/** A PAX extended header's records (`len key=value\n`) that matter here: path and size. */
export function paxRecords(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) throw refuse('The tar holds a malformed PAX header.');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    if (key === 'size') {
      if (!/^\d+$/.test(value)) throw refuse('The tar holds a malformed PAX size.');
      out.size = Number(value);
    }
    at += length;
  }
  return out;
}

/** `a/b/c` → `a`, `a/b`. */
function ancestors(name: string): string[] {
  const parts = name.split('/');
  return parts.slice(0, -1).map((_part, i) => parts.slice(0, i + 1).join('/'));
}

/** A member name as the engine unpacks it (cleaned, relative). */
export function cleanTarName(name: string): string {
  return posix.normalize(`/${name}`).replace(/^\/+|\/+$/g, '');
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Reads a tar on disk header by header (data skipped, never read) for `names` (TAG_FILES; a build's Dockerfile), as Go's archive/tar
 * and the engine's unpacking would name its members: ustar prefix, GNU long names, PAX path and size.
 * A first block that is no tar header is `unreadable` (the engine refuses it too); a compressed
 * archive, a tag file that is not a regular file or is too large, or a broken tar further on is 400.
 */
export async function readTarTagFiles(
  path: string,
  names: readonly string[] = TAG_FILES,
  options: { strict?: boolean } = {},
): Promise<TarTagFiles> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const first = await readAt(file, 0, BLOCK);
    if (COMPRESSED_MAGIC.some((magic) => first.subarray(0, magic.length).equals(magic)))
      throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', 'A compressed image archive cannot be imported: send the plain tar.');
    const files = new Map<string, Buffer[]>();
    let offset = 0;
    let longName: string | undefined;
    let pax: { path?: string; size?: number } = {};
    let paxHeaders = 0;
    // Strict: the links seen, so that no member is written through one (`d -> .`, then `d/manifest.json`).
    const links = new Set<string>();
    for (;;) {
      const header = await readAt(file, offset, BLOCK);
      if (header.length === 0) break; // the end of the file at a block boundary ends the archive
      if (header.length < BLOCK) {
        if (offset === 0) return { unreadable: true };
        throw refuse('The tar is truncated.');
      }
      if (header.every((byte) => byte === 0)) {
        const next = await readAt(file, offset + BLOCK, BLOCK);
        if (next.length === 0 || next.every((byte) => byte === 0)) break;
        throw refuse('The tar holds a zero block before its end.');
      }
      if (!checksumHolds(header)) {
        if (offset === 0) return { unreadable: true };
        throw refuse('The tar holds a header with a bad checksum.');
      }
      const typeflag = String.fromCharCode(header[156]);
      const size = pax.size ?? tarNumber(header.subarray(124, 136));
      if (size === undefined) throw refuse('The tar holds a header with a bad size.');
      const dataAt = offset + BLOCK;
      if (dataAt + size > fileSize) throw refuse('The tar is truncated.');
      offset = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (typeflag === 'L' || typeflag === 'x' || typeflag === 'K' || typeflag === 'g') {
        if (typeflag === 'K' || typeflag === 'g') continue;
        if (size > MAX_META_BYTES) throw refuse('The tar holds an oversized long name or PAX header.');
        const data = await readAt(file, dataAt, size);
        if (typeflag === 'L') longName = cString(data);
        else {
          pax = { ...pax, ...paxRecords(data) };
          paxHeaders++;
        }
        continue;
      }
      // Readers disagree on these (which name wins, whether PAX headers merge, an empty path): a strict read refuses them.
      if (options.strict && ((pax.path !== undefined && longName !== undefined) || paxHeaders > 1 || pax.path === ''))
        throw refuse('The tar names a member in more than one way (PAX and GNU names, or several PAX headers).');
      const name = cleanTarName(pax.path ?? longName ?? headerName(header));
      longName = undefined;
      pax = {};
      paxHeaders = 0;
      if (options.strict) {
        if (ancestors(name).some((dir) => links.has(dir))) throw refuse(`The tar writes ${name} through a link.`);
        if (typeflag === '1' || typeflag === '2') links.add(name);
      }
      if (!names.includes(name)) continue;
      if (!['0', '\0', '7'].includes(typeflag)) throw refuse(`The tar's ${name} is not a regular file.`);
      if (size > MAX_MANIFEST_BYTES) throw refuse(`The tar's ${name} is larger than ${MAX_MANIFEST_BYTES} bytes.`);
      files.set(name, [...(files.get(name) ?? []), await readAt(file, dataAt, size)]);
    }
    return { unreadable: false, files };
  } finally {
    await file.close();
  }
}

function parseJson(content: Buffer, name: string): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    throw refuse(`The tar's ${name} is not JSON.`);
  }
}

/** `manifest.json`'s tags: `RepoTags` of each entry, its key matched case-insensitively as the engine's JSON decoding does. */
export function manifestTags(content: Buffer): string[] {
  const manifest = parseJson(content, 'manifest.json');
  if (!Array.isArray(manifest)) return [];
  return manifest.flatMap((entry: unknown) => {
    if (!entry || typeof entry !== 'object') return [];
    return Object.entries(entry)
      .filter(([key, value]) => goFold(key) === 'repotags' && Array.isArray(value))
      .flatMap(([, value]) => (value as unknown[]).filter((tag): tag is string => typeof tag === 'string'));
  });
}

/** A key folded as Go's JSON decoding matches field names: case-insensitively, `ſ` as `s` and the Kelvin sign as `k`. */
function goFold(key: string): string {
  return key
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k')
    .toLowerCase();
}

/** The legacy `repositories` file's tags: `{"repo": {"tag": "id"}}` → `repo:tag`. */
export function repositoriesTags(content: Buffer): string[] {
  const repositories = parseJson(content, 'repositories');
  if (!repositories || typeof repositories !== 'object' || Array.isArray(repositories)) return [];
  return Object.entries(repositories).flatMap(([repo, tags]) =>
    tags && typeof tags === 'object' && !Array.isArray(tags) ? Object.keys(tags).map((tag) => `${repo}:${tag}`) : [],
  );
}

/** Every tag a load of the tar would write, from every copy of both files (deduplicated). */
export function loadedTags(found: TarTagFiles): string[] {
  if (found.unreadable) return [];
  const tags = [
    ...(found.files.get('manifest.json') ?? []).flatMap(manifestTags),
    ...(found.files.get('repositories') ?? []).flatMap(repositoriesTags),
  ];
  return [...new Set(tags)];
}
