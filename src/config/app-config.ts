import { posix, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MinLength, Min, validateSync } from 'class-validator';

/** Usernames: what a shell login allows, so they are safe in logs and URLs. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment as Berth reads it; validated once at start. */
class Environment {
  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString()
  HOST?: string;

  @IsOptional() @Matches(/^(unix:\/\/\/.+|tcp:\/\/[^/:]+:\d+\/?|npipe:.+)$/, {
    message: 'DOCKER_HOST must look like unix:///var/run/docker.sock or tcp://host:2375',
  })
  DOCKER_HOST?: string;

  @IsOptional() @IsString()
  BERTH_DATA_DIR?: string;

  @IsOptional() @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  @IsOptional() @IsInt() @Min(100) @Max(600_000)
  BERTH_ENGINE_TIMEOUT_MS?: number;

  @IsOptional() @Matches(USERNAME_PATTERN, { message: 'BERTH_ADMIN_USERNAME must be 1-64 letters, digits, dots, dashes or underscores' })
  BERTH_ADMIN_USERNAME?: string;

  @IsOptional() @IsString() @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  BERTH_ADMIN_PASSWORD?: string;

  @IsOptional() @IsString() @MinLength(32)
  BERTH_JWT_SECRET?: string;

  @IsOptional() @IsInt() @Min(60) @Max(86_400)
  BERTH_JWT_TTL?: number;

  @IsOptional() @IsInt() @Min(1) @Max(10_000)
  BERTH_AUTH_RATE_LIMIT?: number;

  @IsOptional() @IsInt() @Min(1) @Max(100_000)
  BERTH_AUTH_RATE_LIMIT_PER_ADDRESS?: number;

  @IsOptional() @IsInt() @Min(1000) @Max(86_400_000)
  BERTH_AUTH_RATE_WINDOW_MS?: number;

  @IsOptional() @IsInt() @Min(0) @Max(1_000_000)
  BERTH_RATE_LIMIT?: number;

  @IsOptional() @IsInt() @Min(1000) @Max(86_400_000)
  BERTH_RATE_LIMIT_WINDOW_MS?: number;
  @IsOptional() @Matches(/^\/[^,]*(,\/[^,]*)*$/, {
    message: 'BERTH_ALLOWED_BIND_ROOTS must be absolute host paths separated by commas, e.g. /srv/data,/opt/shared',
  })
  BERTH_ALLOWED_BIND_ROOTS?: string;

  @IsOptional() @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  BERTH_EXEC_MAX_OUTPUT_BYTES?: number;
}

/** Typed configuration. Injected by class, so tests can build one by hand. */
export class AppConfig {
  port = 8080;
  host = '127.0.0.1';
  dockerHost = 'unix:///var/run/docker.sock';
  dataDir = resolve('data');
  logLevel: LogLevel = 'info';
  /** How long a short engine call (list, inspect, ping) may take before 503. */
  engineTimeoutMs = 4000;
  /** The first admin, created only when the database has no user yet. */
  adminUsername?: string;
  adminPassword?: string;
  /** Signs access tokens; when unset, one is generated once and kept in the data dir. */
  jwtSecret?: string;
  /** Lifetime of an access token, in seconds. */
  jwtTtlSeconds = 900;
  /** Login attempts and API key creations per username per window. */
  authRateLimit = 10;
  /** The same, per client address (higher: many users may share one address). */
  authRateLimitPerAddress = 50;
  authRateWindowMs = 300_000;
  /** Requests per credential per window on every route; 0 turns the limit off. */
  rateLimit = 0;
  rateLimitWindowMs = 60_000;
  /** Host directories under which a non-admin may bind-mount; none by default (deny by default). */
  allowedBindRoots: string[] = [];
  /** What a one-shot exec keeps of each of stdout and stderr. */
  execMaxOutputBytes = 1024 * 1024;

  constructor(init: Partial<AppConfig> = {}) {
    Object.assign(this, init);
  }
}

export class ConfigError extends Error {}

const VARIABLES = [
  'PORT',
  'HOST',
  'DOCKER_HOST',
  'BERTH_DATA_DIR',
  'LOG_LEVEL',
  'BERTH_ENGINE_TIMEOUT_MS',
  'BERTH_ADMIN_USERNAME',
  'BERTH_ADMIN_PASSWORD',
  'BERTH_JWT_SECRET',
  'BERTH_JWT_TTL',
  'BERTH_AUTH_RATE_LIMIT',
  'BERTH_AUTH_RATE_LIMIT_PER_ADDRESS',
  'BERTH_AUTH_RATE_WINDOW_MS',
  'BERTH_RATE_LIMIT',
  'BERTH_RATE_LIMIT_WINDOW_MS',
  'BERTH_ALLOWED_BIND_ROOTS',
  'BERTH_EXEC_MAX_OUTPUT_BYTES',
] as const;
const INTEGER_VARIABLES = new Set<string>([
  'PORT',
  'BERTH_ENGINE_TIMEOUT_MS',
  'BERTH_JWT_TTL',
  'BERTH_AUTH_RATE_LIMIT',
  'BERTH_AUTH_RATE_LIMIT_PER_ADDRESS',
  'BERTH_AUTH_RATE_WINDOW_MS',
  'BERTH_RATE_LIMIT',
  'BERTH_RATE_LIMIT_WINDOW_MS',
  'BERTH_EXEC_MAX_OUTPUT_BYTES',
]);
/** Their values never appear in an error message. */
const SECRET_VARIABLES = new Set<string>(['BERTH_ADMIN_PASSWORD', 'BERTH_JWT_SECRET']);

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of VARIABLES) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = INTEGER_VARIABLES.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const parsed = plainToInstance(Environment, raw);
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const detail = errors
      .map((e) => {
        const shown = SECRET_VARIABLES.has(e.property) ? '[redacted]' : JSON.stringify(raw[e.property]);
        return `${e.property}=${shown}: ${Object.values(e.constraints ?? {})[0] ?? 'invalid'}`;
      })
      .join('; ');
    throw new ConfigError(`invalid configuration: ${detail}`);
  }
  return new AppConfig({
    ...(parsed.PORT !== undefined && { port: parsed.PORT }),
    ...(parsed.HOST && { host: parsed.HOST }),
    ...(parsed.DOCKER_HOST && { dockerHost: parsed.DOCKER_HOST }),
    ...(parsed.BERTH_DATA_DIR && { dataDir: resolve(parsed.BERTH_DATA_DIR) }),
    ...(parsed.LOG_LEVEL && { logLevel: parsed.LOG_LEVEL }),
    ...(parsed.BERTH_ENGINE_TIMEOUT_MS && { engineTimeoutMs: parsed.BERTH_ENGINE_TIMEOUT_MS }),
    ...(parsed.BERTH_ADMIN_USERNAME && { adminUsername: parsed.BERTH_ADMIN_USERNAME }),
    ...(parsed.BERTH_ADMIN_PASSWORD && { adminPassword: parsed.BERTH_ADMIN_PASSWORD }),
    ...(parsed.BERTH_JWT_SECRET && { jwtSecret: parsed.BERTH_JWT_SECRET }),
    ...(parsed.BERTH_JWT_TTL && { jwtTtlSeconds: parsed.BERTH_JWT_TTL }),
    ...(parsed.BERTH_AUTH_RATE_LIMIT && { authRateLimit: parsed.BERTH_AUTH_RATE_LIMIT }),
    ...(parsed.BERTH_AUTH_RATE_LIMIT_PER_ADDRESS && { authRateLimitPerAddress: parsed.BERTH_AUTH_RATE_LIMIT_PER_ADDRESS }),
    ...(parsed.BERTH_AUTH_RATE_WINDOW_MS && { authRateWindowMs: parsed.BERTH_AUTH_RATE_WINDOW_MS }),
    ...(parsed.BERTH_RATE_LIMIT !== undefined && { rateLimit: parsed.BERTH_RATE_LIMIT }),
    ...(parsed.BERTH_RATE_LIMIT_WINDOW_MS && { rateLimitWindowMs: parsed.BERTH_RATE_LIMIT_WINDOW_MS }),
    ...(parsed.BERTH_ALLOWED_BIND_ROOTS && {
      allowedBindRoots: parsed.BERTH_ALLOWED_BIND_ROOTS.split(',').map((root) => posix.normalize(root.trim()).replace(/(.)\/+$/, '$1')),
    }),
    ...(parsed.BERTH_EXEC_MAX_OUTPUT_BYTES && { execMaxOutputBytes: parsed.BERTH_EXEC_MAX_OUTPUT_BYTES }),
  });
}
