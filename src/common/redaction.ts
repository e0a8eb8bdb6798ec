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

/** `ENV A=1 B=two words` / `ARG A=1` bodies: each pair's value redacted (a value's further words dropped), bare names kept. */
function redactPairs(body: string): string {
  const words = body.split(/\s+/).filter(Boolean);
  // The legacy `ENV KEY value` form.
  if (!words.some((word) => word.includes('='))) return words.length > 1 ? `${words[0]} ${REDACTED}` : body;
  const kept: string[] = [];
  let inValue = false;
  for (const word of words) {
    if (word.includes('=')) {
      kept.push(...redactEnv([word]));
      inValue = true;
    } else if (!inValue) kept.push(word);
  }
  return kept.join(' ');
}
/** `/bin/sh -c #(nop)  ENV A=1` (classic builder) or `ENV A=1` (BuildKit); the same for ARG. */
const ENV_OR_ARG_STEP = /^((?:.*?#\(nop\)\s+)?)(ENV|ARG)(\s+)(.*)$/is;
/** A RUN with build arguments: `|2 A=1 B=2 /bin/sh -c make` (BuildKit: `RUN |2 ...`). */
const RUN_WITH_ARGS = /^((?:RUN\s+)?)\|(\d+)\s(.*)$/s;
const SHELL = ' /bin/sh -c ';

/**
 * A history line as a viewer sees it: the values of `ENV` and `ARG` steps, and the build arguments
 * a `RUN` was given, redacted (names kept). A value may hold spaces, so a RUN's arguments end at
 * the shell; without the default shell, after N `=` words.
 */
export function redactBuildStep(line: string): string {
  const step = ENV_OR_ARG_STEP.exec(line);
  if (step) return `${step[1]}${step[2]}${step[3]}${redactPairs(step[4])}`;
  const run = RUN_WITH_ARGS.exec(line);
  if (!run) return line;
  const [, prefix, count, rest] = run;
  const shell = rest.indexOf(SHELL);
  if (shell >= 0) return `${prefix}|${count} ${redactPairs(rest.slice(0, shell))}${rest.slice(shell)}`;
  const words = rest.split(' ');
  const n = Number(count);
  return `${prefix}|${count} ${[...redactEnv(words.slice(0, n)), ...words.slice(n)].join(' ')}`;
}

/** The classic builder's `Step 2/4 : ENV A=1` output line: the step redacted as in history. */
const BUILD_OUTPUT_STEP = /^(Step \d+\/\d+ : )(.*)$/s;

/** A build job's output line as a viewer reads it: its step's ENV/ARG values and RUN build arguments redacted. */
export function redactBuildOutputLine(line: string): string {
  const step = BUILD_OUTPUT_STEP.exec(line);
  return step ? `${step[1]}${redactBuildStep(step[2])}` : line;
}
