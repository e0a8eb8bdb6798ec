import { Role, roleAllows } from './access.decorators.js';

/** What stands in for a value a viewer may not read: `KEY=<redacted>`, `sh <redacted>`. */
export const REDACTED = '<redacted>';

/**
 * Whether a caller gets secrets redacted: viewers (and callers without a role), while
 * `BERTH_VIEWER_REDACTION` is on. Operators can exec into the container anyway, so they see all.
 */
export function redactsFor(enabled: boolean, role: Role | undefined): boolean {
  return enabled && !(role !== undefined && roleAllows(role, 'operator'));
}

/** `KEY=value` → `KEY=<redacted>`: the keys tell what is configured, the values are the secrets. */
export function redactEnv(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const equals = entry.indexOf('=');
    return equals < 0 ? entry : `${entry.slice(0, equals + 1)}${REDACTED}`;
  });
}

/** `mysql -pS3cret db` → `mysql <redacted>`: the executable says what ran, the arguments may hold a password. */
export function redactCommandLine(line: string): string {
  const match = /^(\s*\S+)\s+\S/.exec(line);
  return match ? `${match[1]} ${REDACTED}` : line;
}
