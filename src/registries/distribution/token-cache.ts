/** Registries' Bearer tokens, per registry, credentials and scope, until they expire. */
export class TokenCache {
  /** A token without `expires_in` lives this long (the Docker token spec's default). */
  static readonly DEFAULT_LIFETIME_SECONDS = 60;
  /** Dropped this much before the issuer's expiry, so a token never expires in flight. */
  static readonly MARGIN_MS = 5_000;
  /** Bounded: unsaved registries under test add entries that nothing reads again. */
  static readonly MAX_ENTRIES = 500;

  private readonly entries = new Map<string, { token: string; expiresAt: number }>();

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, expiresInSeconds?: number): void {
    const lifetime = expiresInSeconds && expiresInSeconds > 0 ? expiresInSeconds : TokenCache.DEFAULT_LIFETIME_SECONDS;
    const lifetimeMs = lifetime * 1000;
    this.entries.delete(key);
    if (this.entries.size >= TokenCache.MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { token, expiresAt: Date.now() + Math.max(lifetimeMs - TokenCache.MARGIN_MS, lifetimeMs / 2) });
  }

  /** Forgets a token the registry refused. */
  delete(key: string): void {
    this.entries.delete(key);
  }
}
