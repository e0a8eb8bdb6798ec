import type { ValidationOptions } from 'class-validator';
import { satisfies } from '../../common/validators.js';
import { parseBind } from '../binds.js';

/** The engine's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (a leading slash is allowed and dropped). */
export const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A reference the engine can look up: a name with optional registry, tag and digest, or an image id. */
export const IMAGE_REF = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]{0,511}$/;
/** `[host[:port]/]path` with lowercase components, as `docker commit REPOSITORY` takes. */
export const REPOSITORY =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
export const TAG = /^[\w][\w.-]{0,127}$/;
/** `user`, `uid`, `user:group` or `uid:gid`. */
export const USER = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$/;
/** `KEY=value`; the value may be empty. */
export const ENV_ENTRY = /^[^=\0]+=[^\0]*$/;
export const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
/** `bridge`, `host`, `none`, `container:<name|id>` or a network name. */
export const NETWORK = /^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,254}$/;
/** A user network's name, id or id prefix (names as `docker network create` takes them). */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
/** `--network-alias`: a name other containers on the network resolve. */
export const NETWORK_ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
/** `host`, `container:<name|id>` (PID) or an IPC mode. */
export const NAMESPACE_MODE = /^(host|private|shareable|none|container:[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/;
export const CAPABILITY = /^(ALL|(CAP_)?[A-Z][A-Z_]*)$/;

const SIGNALS = new Set(
  'HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS RTMIN RTMAX'.split(
    ' ',
  ),
);

/** A Linux signal as `docker kill -s` takes it: `KILL`, `SIGTERM`, `9`, `RTMIN+3`. */
export function isSignal(value: string): boolean {
  if (/^\d+$/.test(value)) return Number(value) >= 1 && Number(value) <= 64;
  const name = value.toUpperCase().replace(/^SIG/, '');
  const rt = /^(RTMIN\+\d+|RTMAX-\d+)$/.exec(name);
  return SIGNALS.has(name) || (rt !== null && Number(name.split(/[+-]/)[1]) <= 30);
}

export const IsSignal = (options: ValidationOptions = {}) =>
  satisfies(
    'isSignal',
    (value) => typeof value === 'string' && isSignal(value),
    '$property must be a signal name (KILL, SIGTERM, ...) or number 1-64',
    options,
  );

/** Each entry is `-v` syntax: `/host/path:/container/path[:ro]`, `volume:/path` or `/path`. */
export const IsBindSpecs = (options: ValidationOptions = {}) =>
  satisfies(
    'isBindSpecs',
    (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'string' && typeof parseBind(entry) !== 'string'),
    (args) => {
      const values = Array.isArray(args.value) ? (args.value as unknown[]) : [args.value];
      const problem = values
        .map((v) => (typeof v === 'string' ? parseBind(v) : 'each entry must be a string'))
        .find((r) => typeof r === 'string');
      return `${args.property}: ${problem ?? 'invalid'}`;
    },
    options,
  );
