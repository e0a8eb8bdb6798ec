import { EventEmitter } from 'node:events';

/** For the exec and attach specs: a client socket — what Berth sends it, whether Berth reads it, how it was closed. */
export class FakeSocket extends EventEmitter {
  readyState = 1;
  paused = false;
  frames: Buffer[] = [];
  closed?: { code: number; reason: string };
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  send(data: Buffer) {
    this.frames.push(data);
  }
  close(code: number, reason: string) {
    if (this.readyState !== 1) return;
    this.closed = { code, reason };
    this.readyState = 3;
    this.emit('close', code);
  }
  /** The client sends a binary frame on a channel. */
  frame(channel: number, payload: string) {
    this.emit('message', Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]), true);
  }
}

/** Lets the session's promise chains settle. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
