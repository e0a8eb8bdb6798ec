import { createReadStream, createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ProblemException } from '../common/problem.js';
import type { JobRunner, JobView } from '../jobs/job-types.js';
import { cleanTarName, readTarTagFiles } from './image-archive.js';

/** Files a JSON build may carry besides its Dockerfile, and how long a path may be (one ustar name field). */
export const MAX_CONTEXT_FILES = 100;
const MAX_TAR_NAME_BYTES = 100;

/**
 * Why `path` cannot name a file inside a build context, or undefined when it can: relative,
 * no `..`, `.` or empty segment, no backslash or control character (the engine would read a
 * path outside the context, or another file than the one named).
 */
export function contextPathProblem(path: string, maxBytes = 255): string | undefined {
  if (path.length === 0) return 'is empty';
  if (Buffer.byteLength(path) > maxBytes) return `is longer than ${maxBytes} bytes`;
  if (path.startsWith('/')) return 'is absolute';
  // eslint-disable-next-line no-control-regex
  if (/[\\\x00-\x1f\x7f]/.test(path)) return 'holds a backslash or a control character';
  if (path.split('/').some((part) => part === '..' || part === '.' || part === '')) return 'holds a `..`, `.` or empty segment';
  return undefined;
}

/** A ustar header block for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'utf8');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 0);
  field(148, 8, ' '.repeat(8)); // counted as spaces while the checksum is summed
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** A tar of `files` (path → content), for a build from JSON. Paths are checked here too: this is what reaches the engine. */
export function tarFromFiles(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, content] of Object.entries(files)) {
    const problem = contextPathProblem(path, MAX_TAR_NAME_BYTES);
    if (problem) throw new Error(`context path ${JSON.stringify(path)} ${problem}`);
    const data = Buffer.from(content, 'utf8');
    blocks.push(tarHeader(path, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
}

export function contextTooLarge(maxBytes: number): ProblemException {
  return new ProblemException(
    413,
    'PAYLOAD_TOO_LARGE',
    `The build context is larger than ${maxBytes} bytes (BERTH_BUILD_CONTEXT_MAX_BYTES).`,
  );
}

/** Passes bytes through and fails with 413 once more than `maxBytes` went by: the cap holds whatever Content-Length said. */
export class ByteCap extends Transform {
  /** The bytes that went through. */
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: (maxBytes: number) => ProblemException = contextTooLarge,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(this.tooLarge(this.maxBytes));
    done(null, chunk);
  }
}

/** A build context kept on disk between the upload and the build job, which opens and removes it. */
export interface SpooledContext {
  bytes: number;
  /** The file, for a reader that seeks (an import's tags). */
  path: string;
  open(): Readable;
  remove(): Promise<void>;
}

/**
 * Writes an uploaded context to a private temporary file as it arrives, never whole in memory:
 * the upload ends (or is refused with 413, the file gone) before the job is started, so a queued
 * build never holds a client's connection and a refused one built nothing.
 */
export async function spoolContext(
  body: Readable,
  maxBytes: number,
  tooLarge: (maxBytes: number) => ProblemException = contextTooLarge,
): Promise<SpooledContext> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-build-'));
  const path = join(dir, 'context');
  const remove = () => rm(dir, { recursive: true, force: true });
  const cap = new ByteCap(maxBytes, tooLarge);
  try {
    await pipeline(body, cap, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await remove();
    throw error;
  }
  return { bytes: cap.bytes, path, open: () => createReadStream(path), remove };
}

/**
 * An upload refused before its body was read (bad option, 413, 415) leaves bytes on the
 * connection, which node then closes: said up front, so that no client reuses it and gets a reset.
 */
export function closeAfterUpload(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) response.setHeader('Connection', 'close');
  next();
}

/**
 * Starts the job that reads a spooled upload and ties the spool's life to it: removed when the
 * start fails (a refusal, a policy check), and once the job is over however it ends (also when
 * it is canceled while still queued and never opens the file).
 */
export async function startWithSpool(spool: SpooledContext, jobs: JobRunner, start: () => Promise<JobView>): Promise<JobView> {
  let job: JobView;
  try {
    job = await start();
  } catch (error) {
    await spool.remove();
    throw error;
  }
  void jobs
    .finished(job.id)
    .catch(() => undefined)
    .finally(() => spool.remove());
  return job;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * The Dockerfile of a spooled context (a tar, or a gzip of one: unpacked beside it first, capped at
 * `maxBytes` unpacked), for checks that need its FROM lines; undefined when the context holds none
 * (the engine then fails the build).
 */
export async function contextDockerfile(path: string, dockerfile = 'Dockerfile', maxBytes = Infinity): Promise<string | undefined> {
  const head = Buffer.alloc(2);
  const file = await open(path, 'r');
  await file.read(head, 0, 2, 0).finally(() => file.close());
  const tarPath = head.equals(GZIP_MAGIC) ? `${path}.tar` : path;
  try {
    if (tarPath !== path)
      await pipeline(createReadStream(path), createGunzip(), new ByteCap(maxBytes), createWriteStream(tarPath, { mode: 0o600 }));
    const name = cleanTarName(dockerfile);
    // The engine falls back to `dockerfile` when `Dockerfile` is missing.
    const names = name === 'Dockerfile' ? [name, 'dockerfile'] : [name];
    const found = await readTarTagFiles(tarPath, names);
    if (found.unreadable) return undefined;
    return names.map((each) => found.files.get(each)?.at(-1)?.toString('utf8')).find((text) => text !== undefined);
  } finally {
    if (tarPath !== path) await rm(tarPath, { force: true });
  }
}
