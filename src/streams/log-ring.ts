/**
 * The last lines of a shared log stream, so a client that opens the same stream later gets
 * the same start (its `tail`, or everything since `since`) without a second engine stream.
 * Bounded in lines and bytes; once it had to drop a line it can no longer serve "everything".
 */
export class LogRing<T> {
  private readonly items: T[] = [];
  private head = 0;
  private bytes = 0;
  /** A line was dropped for room: the ring is only the latest lines now. */
  evicted = false;

  constructor(
    private readonly maxItems: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.maxItems === 0) {
      this.evicted = true;
      return;
    }
    this.items.push(item);
    this.bytes += this.sizeOf(item);
    while (this.length > this.maxItems || (this.bytes > this.maxBytes && this.length > 0)) {
      this.bytes -= this.sizeOf(this.items[this.head]);
      this.head++;
      this.evicted = true;
    }
    // Compact now and then instead of shifting on every line.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The last `count` items (all when undefined). */
  last(count?: number): T[] {
    const start = count === undefined ? this.head : Math.max(this.head, this.items.length - count);
    return this.items.slice(start);
  }
}
