import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JOB_OUTPUT_LINE_MAX } from '../jobs/jobs.service.js';
import { readBuildOutput } from './build-output.js';

const lines = (...messages: object[]) => messages.map((m) => `${JSON.stringify(m)}\r\n`).join('');

async function read(chunks: Buffer[]) {
  const output: string[] = [];
  const result = readBuildOutput('local', Readable.from(chunks), { output: (line) => output.push(line) });
  return { output, result };
}

describe('readBuildOutput', () => {
  it('turns stream text into output lines and the aux ID into the result', async () => {
    const text = lines(
      { stream: 'Step 1/2 : FROM busybox\n' },
      { stream: ' ---> 1234\n' },
      { stream: 'Step 2/2 : RUN echo hi' },
      { stream: '\n' },
      { aux: { ID: 'sha256:abc' } },
      { stream: 'Successfully built abc\n' },
    );
    const { output, result } = await read([Buffer.from(text)]);
    await expect(result).resolves.toEqual({ id: 'sha256:abc' });
    expect(output).toEqual(['Step 1/2 : FROM busybox', ' ---> 1234', 'Step 2/2 : RUN echo hi', 'Successfully built abc']);
  });

  it('keeps a line without a newline to one character past what a job keeps (a RUN printing 16 MB on one line)', async () => {
    const chunk = lines({ stream: 'a'.repeat(4096) });
    const chunks = [Buffer.from(lines({ stream: 'Step 1/1 : RUN yes | tr -d "\\n"\n' }))];
    for (let i = 0; i < 4096; i++) chunks.push(Buffer.from(chunk));
    chunks.push(Buffer.from(lines({ stream: 'b\nnext line\n' }, { stream: 'c'.repeat(50_000) }, { aux: { ID: 'sha256:abc' } })));
    const { output, result } = await read(chunks);
    await expect(result).resolves.toEqual({ id: 'sha256:abc' });
    expect(output.map((line) => line.length)).toEqual([
      output[0].length,
      JOB_OUTPUT_LINE_MAX + 1,
      'next line'.length,
      JOB_OUTPUT_LINE_MAX + 1,
    ]);
    expect(output[1]).toBe('a'.repeat(JOB_OUTPUT_LINE_MAX + 1));
    expect(output[2]).toBe('next line');
  });

  it('decodes a multi-byte character split between two chunks of the build log', async () => {
    const bytes = Buffer.from(lines({ stream: 'Step 1/1 : RUN echo 日本\n' }, { aux: { ID: 'sha256:abc' } }));
    const cut = bytes.indexOf(Buffer.from('本')) + 1; // inside the three bytes of 本
    const { output, result } = await read([bytes.subarray(0, cut), bytes.subarray(cut)]);
    await result;
    expect(output).toEqual(['Step 1/1 : RUN echo 日本']);
  });

  it("fails with the engine's message and the failing step's output", async () => {
    const text = lines(
      { stream: 'Step 1/2 : FROM busybox\n' },
      { stream: ' ---> 1234\n' },
      { stream: 'Step 2/2 : RUN echo broken && exit 3\n' },
      { stream: 'broken\n' },
      { errorDetail: { code: 3, message: "The command '/bin/sh -c echo broken && exit 3' returned a non-zero code: 3" }, error: 'x' },
    );
    const { result } = await read([Buffer.from(text)]);
    const error = await result.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENGINE_ERROR' });
    const detail = (error as { detail: string }).detail;
    expect(detail).toContain('returned a non-zero code: 3');
    expect(detail).toContain('Step 2/2 : RUN echo broken && exit 3\nbroken');
    expect(detail).not.toContain('FROM busybox');
  });

  it('fails a stream that ends without an image id (cut): the image is not there', async () => {
    const { result } = await read([Buffer.from(lines({ stream: 'Step 1/1 : RUN sleep 30\n' }))]);
    await expect(result).rejects.toMatchObject({ detail: expect.stringContaining('without an image id') });
  });
});
