import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

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

  @IsOptional() @IsInt() @Min(1) @Max(10_000)
  BERTH_STREAMS_PER_USER?: number;

  @IsOptional() @IsInt() @Min(100) @Max(3_600_000)
  BERTH_STREAM_PING_INTERVAL_MS?: number;

  @IsOptional() @IsInt() @Min(100) @Max(3_600_000)
  BERTH_STREAM_STALL_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(16 * 1024) @Max(256 * 1024 * 1024)
  BERTH_STREAM_BUFFER_BYTES?: number;
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
  /** Open WebSocket streams one user may hold at once; the next one is closed with 1013. */
  streamsPerUser = 32;
  /** How often the server pings every socket; a peer that missed the previous ping is dropped. */
  streamPingIntervalMs = 30_000;
  /** How long a socket may sit over its buffer bound before it is closed with a resume hint. */
  streamStallTimeoutMs = 10_000;
  /** Bytes queued for one socket before its engine stream pauses (its buffer bound). */
  streamBufferBytes = 1024 * 1024;

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
  'BERTH_STREAMS_PER_USER',
  'BERTH_STREAM_PING_INTERVAL_MS',
  'BERTH_STREAM_STALL_TIMEOUT_MS',
  'BERTH_STREAM_BUFFER_BYTES',
] as const;
const INTEGER_VARIABLES = new Set<string>([
  'PORT',
  'BERTH_ENGINE_TIMEOUT_MS',
  'BERTH_STREAMS_PER_USER',
  'BERTH_STREAM_PING_INTERVAL_MS',
  'BERTH_STREAM_STALL_TIMEOUT_MS',
  'BERTH_STREAM_BUFFER_BYTES',
]);

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
      .map((e) => `${e.property}=${JSON.stringify(raw[e.property])}: ${Object.values(e.constraints ?? {})[0] ?? 'invalid'}`)
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
    ...(parsed.BERTH_STREAMS_PER_USER && { streamsPerUser: parsed.BERTH_STREAMS_PER_USER }),
    ...(parsed.BERTH_STREAM_PING_INTERVAL_MS && { streamPingIntervalMs: parsed.BERTH_STREAM_PING_INTERVAL_MS }),
    ...(parsed.BERTH_STREAM_STALL_TIMEOUT_MS && { streamStallTimeoutMs: parsed.BERTH_STREAM_STALL_TIMEOUT_MS }),
    ...(parsed.BERTH_STREAM_BUFFER_BYTES && { streamBufferBytes: parsed.BERTH_STREAM_BUFFER_BYTES }),
  });
}
