import { posix } from 'node:path';

/** One `-v` entry as the engine reads it on Linux: `[source:]target[:mode]`. */
export interface BindSpec {
  /** `bind`: a host path; `volume`: a named volume; `anonymous`: a new unnamed volume. */
  kind: 'bind' | 'volume' | 'anonymous';
  source?: string;
  target: string;
  mode?: string;
}

const MODES = new Set([
  'ro',
  'rw',
  'z',
  'Z',
  'nocopy',
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'consistent',
  'cached',
  'delegated',
]);
/** The engine's rule for volume (and container) names. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function isMode(text: string): boolean {
  return text.split(',').every((mode) => MODES.has(mode));
}

/** A container path the engine accepts as a mount target: absolute, and not the root itself. */
export function isContainerPath(path: string): boolean {
  return path.startsWith('/') && posix.normalize(path) !== '/' && !path.includes('\0');
}

/** Parses a `-v` entry; a string says what is wrong with it. */
export function parseBind(spec: string): BindSpec | string {
  const parts = spec.split(':');
  let source: string | undefined;
  let target: string;
  let mode: string | undefined;
  if (parts.length === 1) {
    [target] = parts;
  } else if (parts.length === 2) {
    if (isMode(parts[1])) [target, mode] = parts;
    else [source, target] = parts;
  } else if (parts.length === 3) {
    [source, target, mode] = parts;
  } else {
    return `'${spec}' is not source:target[:mode]`;
  }
  if (!isContainerPath(target)) return `target '${target}' must be an absolute container path other than /`;
  if (mode !== undefined && !isMode(mode)) return `mode '${mode}' is not one of ${[...MODES].join(', ')}`;
  if (source === undefined) return { kind: 'anonymous', target, ...(mode && { mode }) };
  if (source.startsWith('/')) return { kind: 'bind', source, target, ...(mode && { mode }) };
  if (VOLUME_NAME.test(source)) return { kind: 'volume', source, target, ...(mode && { mode }) };
  return `source '${source}' must be an absolute host path or a volume name`;
}
