import 'reflect-metadata';
import { posix, resolve } from 'node:path';
import { Type, plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy, validateSync } from 'class-validator';
import { type EngineTls, EngineTlsError, engineTlsFromEnv } from './engine-tls.js';
import { isOriginList, parseOrigins } from './origins.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Typed configuration, with the defaults that work on a fresh machine. Injected by class, so tests can build one by hand. */
export class AppConfig {
  port = 8080;
  host = '127.0.0.1';
  dockerHost = 'unix:///var/run/docker.sock';
  /** TLS to a tcp:// DOCKER_HOST, from DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH; none means plain HTTP. */
  dockerTls?: EngineTls;
  dataDir = resolve('data');
  logLevel: LogLevel = 'info';
  /** How long a short engine call (list, inspect, ping) may take before 503. */
  engineTimeoutMs = 4000;
  /** How long one host may take in a fleet list (`?host=all`) before it is reported in `errors` and the others answer. */
  fleetHostTimeoutMs = 5000;
  /** The first admin, created only when the database has no user yet. */
  adminUsername?: string;
  adminPassword?: string;
  /** Signs access tokens; when unset, one is generated once and kept in the data dir. */
  jwtSecret?: string;
  /** Seals registry passwords and tokens (AES-256-GCM): 32 bytes in base64; when unset, generated once into the data dir. */
  secretKey?: string;
  /** Lifetime of an access token, in seconds. */
  jwtTtlSeconds = 900;
  /** Lifetime of a refresh token, in seconds; each refresh issues a new one with a new lifetime. */
  refreshTtlSeconds = 30 * 86_400;
  /** Failed logins per (username, client address) pair per window; password changes and API key creations per user. */
  authRateLimit = 10;
  /** Failed logins from one client address, and password changes and key creations from it (higher: many users may share one address). */
  authRateLimitPerAddress = 50;
  /** Failed logins for one username from all addresses together: bounds distributed guessing. */
  authRateLimitPerUsername = 100;
  authRateWindowMs = 300_000;
  /** Requests per credential per window on every route; 0 turns the limit off. */
  rateLimit = 0;
  rateLimitWindowMs = 60_000;
  /** Browser origins (`https://dash.example.com`) allowed to call the API and open streams; none: no CORS, no Origin check. */
  corsOrigins: string[] = [];
  /** Host directories under which a non-admin may bind-mount; none by default (deny by default). */
  allowedBindRoots: string[] = [];
  /**
   * A read-only view of the host's filesystem mounted into Berth (e.g. `/:/host:ro` → `/host`), where bind sources
   * are checked when Berth runs in a container or talks to a tcp:// engine; unset there, non-admins get no binds.
   */
  hostRoot?: string;
  /** Volume drivers besides `local` whose volumes a non-admin may mount (drivers that cannot reach host paths). */
  allowedVolumeDrivers: string[] = [];
  /** Volumes only an admin may mount, besides those mounted into Berth's own container (found by itself). */
  protectedVolumes: string[] = [];
  /** What a one-shot exec keeps of each of stdout and stderr. */
  execMaxOutputBytes = 1024 * 1024;
  /** The largest build context an upload may send (bytes); a larger one is 413 and nothing is built. */
  buildContextMaxBytes = 1024 * 1024 * 1024;
  /** The largest `docker load` tar an import may send (bytes; spooled to disk to read its tags first); larger is 413. */
  importMaxBytes = 16 * 1024 * 1024 * 1024;
  /** Open WebSocket streams one user may hold at once; the next one is closed with 1013. */
  streamsPerUser = 32;
  /** How often the server pings every socket; a peer that missed the previous ping is dropped. */
  streamPingIntervalMs = 30_000;
  /** How long a socket may sit over its buffer bound before it is closed with a resume hint. */
  streamStallTimeoutMs = 10_000;
  /** Bytes queued for one socket before its engine stream pauses (its buffer bound). */
  streamBufferBytes = 1024 * 1024;
  /** Viewers get env values, environment-showing `ps` options and exec arguments in events redacted. */
  viewerRedaction = true;
  /** How long an update check's registry answer is reused per host and image reference (0: ask every time). */
  imageStatusTtlSeconds = 300;
  /** Jobs (pull, push, build, import, prune) running at once on one host; more wait queued. */
  jobsPerHost = 2;
  /** How long finished jobs and their events are kept. */
  jobRetentionHours = 168;
  /** How long a prune plan may be executed after it was made. */
  prunePlanTtlSeconds = 600;

  constructor(init: Partial<AppConfig> = {}) {
    Object.assign(this, init);
  }
}

interface Binding {
  field: keyof AppConfig;
  parse?: (value: never) => unknown;
  /** Its value never appears in an error message. */
  secret?: boolean;
}

/** Environment variable name → the AppConfig field it sets; filled by @Sets below. */
const BINDINGS = new Map<string, Binding>();

/** Which AppConfig field an environment variable sets (and how its checked value becomes the field's). */
function Sets(field: keyof AppConfig, options: Omit<Binding, 'field'> = {}): PropertyDecorator {
  return (_target, variable) => void BINDINGS.set(String(variable), { field, ...options });
}

/** An integer variable within bounds. */
function Int(min: number, max: number): PropertyDecorator {
  return (target, key) => [Type(() => Number), IsInt(), Min(min), Max(max)].forEach((decorate) => decorate(target, key));
}

const names = (list: string) =>
  list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
const absolutePaths = (list: string) => list.split(',').map((root) => posix.normalize(root.trim()).replace(/(.)\/+$/, '$1'));

/** The environment as Berth reads it; every variable optional, validated once at start. */
class Environment {
  @Sets('port') @IsOptional() @Int(0, 65535) PORT?: number;
  @Sets('host') @IsOptional() @IsString() HOST?: string;
  @Sets('dockerHost')
  @IsOptional()
  @Matches(/^(unix:\/\/\/.+|tcp:\/\/[^/:]+:\d+\/?|npipe:.+)$/, {
    message: 'DOCKER_HOST must look like unix:///var/run/docker.sock or tcp://host:2375',
  })
  DOCKER_HOST?: string;
  @Sets('dataDir', { parse: (dir: string) => resolve(dir) }) @IsOptional() @IsString() BERTH_DATA_DIR?: string;
  @Sets('logLevel') @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: LogLevel;
  @Sets('engineTimeoutMs') @IsOptional() @Int(100, 600_000) BERTH_ENGINE_TIMEOUT_MS?: number;
  @Sets('fleetHostTimeoutMs') @IsOptional() @Int(100, 600_000) BERTH_FLEET_HOST_TIMEOUT_MS?: number;

  // Their format is a user's (src/users/user-limits.ts): the users module checks them at start.
  @Sets('adminUsername') @IsOptional() @IsString() BERTH_ADMIN_USERNAME?: string;
  @Sets('adminPassword', { secret: true }) @IsOptional() @IsString() BERTH_ADMIN_PASSWORD?: string;
  @Sets('jwtSecret', { secret: true }) @IsOptional() @IsString() @MinLength(32) BERTH_JWT_SECRET?: string;
  @Sets('secretKey', { secret: true })
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/_-]{43}=?$/, {
    message: 'BERTH_SECRET_KEY must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`',
  })
  BERTH_SECRET_KEY?: string;
  @Sets('jwtTtlSeconds') @IsOptional() @Int(60, 86_400) BERTH_JWT_TTL?: number;
  @Sets('refreshTtlSeconds') @IsOptional() @Int(300, 31_536_000) BERTH_REFRESH_TTL?: number;
  @Sets('authRateLimit') @IsOptional() @Int(1, 10_000) BERTH_AUTH_RATE_LIMIT?: number;
  @Sets('authRateLimitPerAddress') @IsOptional() @Int(1, 100_000) BERTH_AUTH_RATE_LIMIT_PER_ADDRESS?: number;
  @Sets('authRateLimitPerUsername') @IsOptional() @Int(1, 1_000_000) BERTH_AUTH_RATE_LIMIT_PER_USERNAME?: number;
  @Sets('authRateWindowMs') @IsOptional() @Int(1000, 86_400_000) BERTH_AUTH_RATE_WINDOW_MS?: number;
  @Sets('rateLimit') @IsOptional() @Int(0, 1_000_000) BERTH_RATE_LIMIT?: number;
  @Sets('rateLimitWindowMs') @IsOptional() @Int(1000, 86_400_000) BERTH_RATE_LIMIT_WINDOW_MS?: number;

  @Sets('corsOrigins', { parse: parseOrigins })
  @IsOptional()
  @ValidateBy({
    name: 'isOriginList',
    validator: {
      validate: (value) => typeof value === 'string' && isOriginList(value),
      defaultMessage: () =>
        'BERTH_CORS_ORIGINS must be exact origins separated by commas, e.g. https://dash.example.com,http://localhost:3000',
    },
  })
  BERTH_CORS_ORIGINS?: string;

  @Sets('allowedBindRoots', { parse: absolutePaths })
  @IsOptional()
  @Matches(/^\/[^,]*(,\/[^,]*)*$/, {
    message: 'BERTH_ALLOWED_BIND_ROOTS must be absolute host paths separated by commas, e.g. /srv/data,/opt/shared',
  })
  BERTH_ALLOWED_BIND_ROOTS?: string;
  @Sets('hostRoot', { parse: (dir: string) => posix.normalize(dir).replace(/(.)\/+$/, '$1') })
  @IsOptional()
  @Matches(/^\/[^,]*$/, { message: 'BERTH_HOST_ROOT must be an absolute path, e.g. /host' })
  BERTH_HOST_ROOT?: string;
  @Sets('allowedVolumeDrivers', { parse: names })
  @IsOptional()
  @Matches(/^[\w./:-]+(, *[\w./:-]+)*$/, { message: 'BERTH_ALLOWED_VOLUME_DRIVERS must be volume driver names separated by commas' })
  BERTH_ALLOWED_VOLUME_DRIVERS?: string;
  @Sets('protectedVolumes', { parse: names })
  @IsOptional()
  @Matches(/^[a-zA-Z0-9][\w.-]+(, *[a-zA-Z0-9][\w.-]+)*$/, { message: 'BERTH_PROTECTED_VOLUMES must be volume names separated by commas' })
  BERTH_PROTECTED_VOLUMES?: string;
  @Sets('execMaxOutputBytes') @IsOptional() @Int(1024, 64 * 1024 * 1024) BERTH_EXEC_MAX_OUTPUT_BYTES?: number;

  @Sets('buildContextMaxBytes') @IsOptional() @Int(1024, 64 * 1024 * 1024 * 1024) BERTH_BUILD_CONTEXT_MAX_BYTES?: number;
  @Sets('importMaxBytes') @IsOptional() @Int(1024, 1024 * 1024 * 1024 * 1024) BERTH_IMPORT_MAX_BYTES?: number;

  @Sets('streamsPerUser') @IsOptional() @Int(1, 10_000) BERTH_STREAMS_PER_USER?: number;
  @Sets('streamPingIntervalMs') @IsOptional() @Int(100, 3_600_000) BERTH_STREAM_PING_INTERVAL_MS?: number;
  @Sets('streamStallTimeoutMs') @IsOptional() @Int(100, 3_600_000) BERTH_STREAM_STALL_TIMEOUT_MS?: number;
  @Sets('streamBufferBytes') @IsOptional() @Int(16 * 1024, 256 * 1024 * 1024) BERTH_STREAM_BUFFER_BYTES?: number;

  @Sets('viewerRedaction', { parse: (value: string) => value === 'true' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'BERTH_VIEWER_REDACTION must be true or false' })
  BERTH_VIEWER_REDACTION?: string;
  @Sets('imageStatusTtlSeconds') @IsOptional() @Int(0, 86_400) BERTH_IMAGE_STATUS_TTL_SECONDS?: number;

  @Sets('jobsPerHost') @IsOptional() @Int(1, 100) BERTH_JOBS_PER_HOST?: number;
  @Sets('jobRetentionHours') @IsOptional() @Int(1, 87_600) BERTH_JOB_RETENTION_HOURS?: number;
  @Sets('prunePlanTtlSeconds') @IsOptional() @Int(1, 86_400) BERTH_PRUNE_PLAN_TTL_SECONDS?: number;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const variable of BINDINGS.keys()) {
    const value = env[variable];
    if (value !== undefined && value !== '') raw[variable] = value;
  }
  const parsed = plainToInstance(Environment, raw) as unknown as Record<string, unknown>;
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const detail = errors
      .map((e) => {
        const shown = BINDINGS.get(e.property)?.secret ? '[redacted]' : JSON.stringify(raw[e.property]);
        return `${e.property}=${shown}: ${Object.values(e.constraints ?? {})[0] ?? 'invalid'}`;
      })
      .join('; ');
    throw new ConfigError(`invalid configuration: ${detail}`);
  }
  const init: Record<string, unknown> = {};
  for (const [variable, { field, parse }] of BINDINGS) {
    const value = parsed[variable];
    if (value !== undefined) init[field] = parse ? parse(value as never) : value;
  }
  const config = new AppConfig(init as Partial<AppConfig>);
  // An access token outliving its login would end early and unexplained, when the login is swept.
  if (config.jwtTtlSeconds > config.refreshTtlSeconds) {
    throw new ConfigError(
      `invalid configuration: BERTH_JWT_TTL (${config.jwtTtlSeconds} s) must not exceed BERTH_REFRESH_TTL (${config.refreshTtlSeconds} s), the life of a login`,
    );
  }
  try {
    config.dockerTls = engineTlsFromEnv(env, config.dockerHost);
  } catch (error) {
    if (error instanceof EngineTlsError) throw new ConfigError(`invalid configuration: ${error.message}`);
    throw error;
  }
  return config;
}
