/**
 * `ps` options a viewer may give `docker top`: the engine runs the host's `ps` with them, and
 * some print every process's environment (BSD `e`, `eww`; format keywords such as `environ`).
 * An allowlist, not a denylist: ps dialects differ, and an option unknown here is refused.
 */

/** UNIX-style clusters (`-ef`, `-eLf`): every process, full/long/thread listings, wide output. */
const UNIX_FLAGS = new Set('AadefFHjlLMNTwy');
/** BSD-style clusters (`aux`, `auxww`): no `e` (environment) and no `E`. */
const BSD_FLAGS = new Set('acfhHjlmrsSuvwx');
/** Format keywords (`-o pid,user,comm`) that show no environment. */
const FORMAT_KEYWORDS = new Set([
  'pid',
  'ppid',
  'pgid',
  'sid',
  'lwp',
  'tid',
  'nlwp',
  'thcount',
  'user',
  'euser',
  'ruser',
  'uid',
  'euid',
  'ruid',
  'gid',
  'egid',
  'rgid',
  'group',
  'egroup',
  'rgroup',
  'tty',
  'tt',
  'stat',
  'state',
  's',
  'comm',
  'ucomm',
  'cmd',
  'command',
  'args',
  'etime',
  'etimes',
  'time',
  'cputime',
  'lstart',
  'start',
  'stime',
  'start_time',
  'bsdstart',
  'pcpu',
  '%cpu',
  'c',
  'pmem',
  '%mem',
  'rss',
  'rsz',
  'vsz',
  'vsize',
  'sz',
  'ni',
  'nice',
  'pri',
  'psr',
  'wchan',
  'f',
  'flags',
]);

export const VIEWER_PS_ARGS_HELP =
  'UNIX options from -AadefFHjlLMNTwy (e.g. -ef), BSD options from acfhHjlmrsSuvwx (e.g. aux), and -o/o/--format with pid, user, comm, args, etime, %cpu, %mem, rss, vsz and similar keywords';

/** A format list such as `pid,user=USER,comm`: every keyword known and free of environments. */
function safeFormat(format: string | undefined): boolean {
  if (!format) return false;
  return format.split(',').every((column) => {
    const [keyword, header] = column.split(/=(.*)/s);
    return FORMAT_KEYWORDS.has(keyword.toLowerCase()) && (header === undefined || /^[A-Za-z0-9%-]*$/.test(header));
  });
}

/** Whether `ps <psArgs>` stays within what a viewer may see (see VIEWER_PS_ARGS_HELP). */
export function psArgsAllowedForViewers(psArgs: string): boolean {
  const tokens = psArgs.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '--format') {
      if (!safeFormat(tokens[++i])) return false;
      continue;
    }
    if (token.startsWith('--format=')) {
      if (!safeFormat(token.slice('--format='.length))) return false;
      continue;
    }
    const unix = token.startsWith('-');
    const letters = unix ? token.slice(1) : token;
    const flags = unix ? UNIX_FLAGS : BSD_FLAGS;
    if (letters.length === 0) return false;
    // In a cluster, `o`/`O` takes the rest of the token, or the next token, as a format list.
    const formatAt = letters.search(/[oO]/);
    const plain = formatAt < 0 ? letters : letters.slice(0, formatAt);
    if (![...plain].every((letter) => flags.has(letter))) return false;
    if (formatAt >= 0 && !safeFormat(letters.slice(formatAt + 1) || tokens[++i])) return false;
  }
  return true;
}
