import { describe, expect, it } from 'vitest';
import { TerminalChannel, frameSequencer, parseResize } from './terminal-frames.js';

describe('parseResize', () => {
  it('reads Kubernetes {Width, Height} and refuses nonsense', () => {
    expect(parseResize(Buffer.from('{"Width":80,"Height":24}'))).toEqual({ width: 80, height: 24 });
    expect(parseResize(Buffer.from('{"width":80,"height":24}'))).toEqual({ width: 80, height: 24 });
    for (const bad of [
      '{"Width":0,"Height":24}',
      '{"Width":80.5,"Height":24}',
      '{"Width":"80","Height":24}',
      'nope',
      '[]',
      '{"Width":1e9,"Height":1}',
    ]) {
      expect(parseResize(Buffer.from(bad))).toBeNull();
    }
  });
});

describe('frameSequencer', () => {
  const resize = (width: number) =>
    Buffer.concat([Buffer.from([TerminalChannel.resize]), Buffer.from(JSON.stringify({ Width: width, Height: 24 }))]);
  const stdin = (text: string) => Buffer.concat([Buffer.from([TerminalChannel.stdin]), Buffer.from(text)]);

  it('applies frames in order after the opening; resizes waiting their turn are replaced by the latest, not queued', async () => {
    let open!: () => void;
    const applied: string[] = [];
    const releases: Array<() => void> = [];
    const apply = (frame: Buffer) => {
      applied.push(
        frame[0] === TerminalChannel.resize ? `resize ${JSON.parse(frame.subarray(1).toString()).Width}` : frame.subarray(1).toString(),
      );
      // A resize waits for the engine.
      return frame[0] === TerminalChannel.resize ? new Promise<void>((resolve) => releases.push(resolve)) : undefined;
    };
    const push = frameSequencer(new Promise<void>((resolve) => (open = resolve)), apply);
    push(stdin('a'));
    for (let width = 1; width <= 1000; width++) push(resize(width));
    push(stdin('b'));
    expect(applied).toEqual([]);
    open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(applied).toEqual(['a', 'resize 1000']);
    // While that resize waits for the engine, more come: one waits, the last.
    for (let width = 1001; width <= 2000; width++) push(resize(width));
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(applied).toEqual(['a', 'resize 1000', 'b', 'resize 2000']);
    releases.shift()!();
    expect(releases).toEqual([]);
  });
});
