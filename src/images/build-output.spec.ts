import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
