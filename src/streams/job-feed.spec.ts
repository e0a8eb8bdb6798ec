import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import type { JobEventView } from '../jobs/job-events.js';
import { CloseCode } from './close-codes.js';
import { Outbox } from './job-feed.js';

/** A socket whose client takes nothing until told to: each send's callback waits for `take()`. */
function stalledSocket() {
  const callbacks: Array<() => void> = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    send: vi.fn((_frame: string, callback: () => void) => void callbacks.push(callback)),
    close: vi.fn(),
  };
  return { socket, take: () => callbacks.splice(0).forEach((callback) => callback()) };
}

const line = (id: number): JobEventView => ({ id, at: 't', type: 'output', line: 'x'.repeat(1000) });

describe('the jobs channel outbox', () => {
  it('holds the replay back past the bound, goes on once the client has read, and closes 4000 a client stalled too long', async () => {
    vi.useFakeTimers();
    try {
      const { socket, take } = stalledSocket();
      const outbox = new Outbox(socket as unknown as WebSocket, { bufferBytes: 4096, stallTimeoutMs: 1000 }, 'job-1');
      for (let id = 1; id <= 3; id++) outbox.send(line(id));
      await expect(outbox.drained()).resolves.toBeUndefined();
      outbox.send(line(4));
      outbox.send(line(5));
      let drained = false;
      void outbox.drained().then(() => (drained = true));
      await vi.advanceTimersByTimeAsync(500);
      expect(drained).toBe(false);
      take();
      await vi.advanceTimersByTimeAsync(0);
      expect(drained).toBe(true);
      // Over the bound again, and never read: closed after the stall timeout with where to read on.
      for (let id = 6; id <= 10; id++) outbox.send(line(id));
      await vi.advanceTimersByTimeAsync(999);
      expect(socket.close).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(socket.close).toHaveBeenCalledWith(CloseCode.slowConsumer, expect.stringContaining('/api/v1/jobs/job-1/events?cursor=5'));
    } finally {
      vi.useRealTimers();
    }
  });
});
