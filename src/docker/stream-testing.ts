// Helpers for the specs of the engine stream parsers (not used at run time).

/** One frame of the engine's stdout (1) / stderr (2) multiplexing. */
export function stdFrame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Writes chunks through a Transform and collects what comes out. */
export async function collect<T>(stream: NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<T[]> {
  const out: T[] = [];
  stream.on('data', (item: T) => out.push(item));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return out;
}
