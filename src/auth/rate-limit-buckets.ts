import type { OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';

/** Buckets kept at most (about 150 bytes each): past it the least recently used one goes, a blocked one last. */
export const MAX_BUCKETS = 50_000;
/**
 * Least recently used buckets looked at for one that is not blocked, before the oldest goes anyway: a blocked key is
 * only peeked, never hit, so it ages; a flood of fresh keys (random usernames) would otherwise push a block out.
 */
const EVICTION_SCAN = 16;

interface Bucket {
  count: number;
  /** When the current window ends (it starts at the first hit after the previous one ended). */
  windowEndsAt: number;
  /** Past the limit: every request is refused until then (one window). */
  blockedUntil: number;
}

export interface BucketState {
  count: number;
  resetSeconds: number;
  /** Set when the bucket is blocked: how long the caller waits. */
  retryAfterSeconds?: number;
}

/**
 * Request counters for rate limits, in memory. A key is stored as a fixed-size digest (never
 * the raw value, which a caller chooses), and the number of buckets is bounded, so no input
 * grows memory without bound. Fixed windows: `limit` hits in a window, the next one blocks
 * the key for one window.
 * Provided by a factory (its constructor takes plain values).
 */
export class RateLimitBuckets implements OnModuleDestroy {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly maxBuckets = MAX_BUCKETS,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The state of a key without counting anything (a key never seen is empty). */
  peek(key: string): BucketState {
    const bucket = this.live(digest(key));
    return bucket ? this.stateOf(bucket) : { count: 0, resetSeconds: 0 };
  }

  /** Counts one hit; the hit past `limit` blocks the key for one window. A blocked key counts nothing more. */
  hit(key: string, limit: number, windowMs: number): BucketState {
    const id = digest(key);
    const now = this.now();
    const bucket = this.live(id) ?? { count: 0, windowEndsAt: now + windowMs, blockedUntil: 0 };
    if (bucket.blockedUntil <= now) {
      bucket.count += 1;
      if (bucket.count > limit) bucket.blockedUntil = now + windowMs;
    }
    // Delete and set: the Map's order is then least recently used first.
    this.buckets.delete(id);
    this.buckets.set(id, bucket);
    if (this.buckets.size > this.maxBuckets) this.evict(id);
    return this.stateOf(bucket);
  }

  /** Takes back one hit (the request turned out not to be what the limit counts), unless the key is blocked. */
  refund(key: string): void {
    const bucket = this.live(digest(key));
    if (bucket && bucket.blockedUntil <= this.now() && bucket.count > 0) bucket.count -= 1;
  }

  /** Forgets a key: its count starts again. */
  reset(key: string): void {
    this.buckets.delete(digest(key));
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Drops buckets whose window and block are over (they would start afresh anyway). */
  sweep(): void {
    for (const [id, bucket] of this.buckets) if (this.expired(bucket)) this.buckets.delete(id);
  }

  /**
   * Drops one bucket: the least recently used that is not blocked, looking at EVICTION_SCAN at most (the oldest of them
   * goes when all are blocked). The blocked ones looked past move to the back, so a block goes only once the buckets
   * are nearly all blocked, which takes a limit's worth of requests per bucket.
   */
  private evict(hit: string): void {
    const now = this.now();
    const blocked: Array<[string, Bucket]> = [];
    let victim: string | undefined;
    for (const [id, bucket] of this.buckets) {
      // The bucket just hit (the newest) stays: it is what is being counted.
      if (id === hit) break;
      if (bucket.blockedUntil <= now) {
        victim = id;
        break;
      }
      blocked.push([id, bucket]);
      if (blocked.length === EVICTION_SCAN) break;
    }
    // All blocked, as far as looked: the oldest of them goes, the others move to the back.
    victim ??= blocked.shift()?.[0];
    if (victim !== undefined) this.buckets.delete(victim);
    for (const [id, bucket] of blocked) {
      this.buckets.delete(id);
      this.buckets.set(id, bucket);
    }
  }

  private live(id: string): Bucket | undefined {
    const bucket = this.buckets.get(id);
    if (!bucket || !this.expired(bucket)) return bucket;
    this.buckets.delete(id);
    return undefined;
  }

  private expired(bucket: Bucket): boolean {
    const now = this.now();
    return bucket.windowEndsAt <= now && bucket.blockedUntil <= now;
  }

  private stateOf(bucket: Bucket): BucketState {
    const now = this.now();
    const blocked = bucket.blockedUntil > now;
    return {
      count: bucket.count,
      resetSeconds: Math.max(0, Math.ceil((bucket.windowEndsAt - now) / 1000)),
      ...(blocked && { retryAfterSeconds: Math.max(1, Math.ceil((bucket.blockedUntil - now) / 1000)) }),
    };
  }
}

/** 16 bytes of SHA-256: a fixed size whatever the key, and no collision anyone can aim for. */
function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}
