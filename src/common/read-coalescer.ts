interface Slot<T> {
  /** The read under way; it may have started before a newcomer arrived, so newcomers do not join it. */
  running?: Promise<T>;
  /** The read that starts when `running` ends; everyone waiting for it arrived before it started. */
  next?: Promise<T>;
}

/**
 * Lets concurrent identical reads share one engine call without ever answering with data older
 * than the request (API.md, "Reads may be coalesced"): a request joins only a call that has not
 * started yet. So at most one call per key runs, one more waits, and every waiter shares it.
 */
export class ReadCoalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {};
      this.slots.set(key, slot);
    }
    if (slot.next) return slot.next;
    if (!slot.running) return this.start(key, slot, read);
    const current = slot;
    const next = current
      .running!.then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        current.next = undefined;
        return this.start(key, current, read);
      });
    current.next = next;
    return next;
  }

  /** Keys with a read under way or waiting (for tests and metrics). */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string, slot: Slot<T>, read: () => Promise<T>): Promise<T> {
    const running: Promise<T> = Promise.resolve()
      .then(read)
      .finally(() => {
        if (slot.running === running) slot.running = undefined;
        if (!slot.running && !slot.next && this.slots.get(key) === slot) this.slots.delete(key);
      });
    slot.running = running;
    return running;
  }
}
