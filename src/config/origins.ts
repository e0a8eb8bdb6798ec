/** One origin as a browser sends it: scheme, host and an optional port; no path, no wildcard. */
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/i;

/** Whether `list` is comma-separated exact origins (what BERTH_CORS_ORIGINS must be). */
export function isOriginList(list: string): boolean {
  return list.split(',').every((item) => {
    const origin = item.trim();
    if (!ORIGIN.test(origin)) return false;
    try {
      return new URL(origin).origin !== 'null';
    } catch {
      return false;
    }
  });
}

/** The origins of a checked list, as browsers send them (lower case, a default port dropped). */
export function parseOrigins(list: string): string[] {
  return [...new Set(list.split(',').map((item) => new URL(item.trim()).origin))];
}

/** Whether a request's `Origin` header names an allowed origin (none is when the list is empty). */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  return origin !== undefined && allowed.includes(origin);
}
