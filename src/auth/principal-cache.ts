import type { Principal } from '../common/principal.js';
import { type Revocation, endsAccess } from '../revocations/revocations.js';

/** Entries kept at most; the oldest go first (a credential seen again is simply looked up again). */
export const PRINCIPAL_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is not used: the credential's own expiry, or sooner. */
  expiresAt: number;
}

/**
 * The principals of credentials checked recently, so that a lone client does not pay a JWT verify and
 * a database lookup on every request. Keyed by a hash of the credential (the credential itself is
 * never kept). Only ever holds what the database said last; a revocation removes the entries it
 * ends before the revoking request answers, so the very next request is checked afresh.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every revocation: a lookup that started before one must not store what it found. */
  private generation = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = PRINCIPAL_CACHE_MAX_ENTRIES,
  ) {}

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /**
   * The entry's principal stamped `checkedAt` (Revocations.sequence now), kept for the next hits: a principal still
   * here has been ended by no revocation since it was checked, for each one removes what it ends at once.
   */
  restamp(key: string, checkedAt: number): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.principal = Object.freeze({ ...entry.principal, checkedAt });
    return entry.principal;
  }

  /** The generation to hand back to `set`: taken before the lookup whose result is stored. */
  begin(): number {
    return this.generation;
  }

  set(key: string, principal: Principal, expiresAt: number, since: number): void {
    if (since !== this.generation || expiresAt <= this.now()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    // Shared by every request of the credential: nobody may change it for the others.
    this.entries.set(key, { principal: Object.freeze({ ...principal }), expiresAt });
  }

  /** Forgets every entry the revocation ends (see `Revocation`). */
  revoke(revocation: Revocation): void {
    this.generation += 1;
    for (const [key, { principal }] of this.entries) {
      if (endsAccess(revocation, principal)) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
