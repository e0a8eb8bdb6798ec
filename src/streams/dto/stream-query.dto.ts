import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { OmitType } from '@nestjs/swagger';
import { DEFAULT_LOG_TAIL, IsLogTime } from '../../common/log-time.js';
import { QueryBoolean, QueryInt } from '../../common/validators.js';
import { IsDetachKeys } from '../detach-keys.js';

/** What every channel takes: the host and, for browsers, a ticket instead of a header. */
export class StreamQueryDto {
  /** The Docker host; `local` when absent. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  host: string = 'local';

  /** A one-time ticket from `POST /api/v1/ws/tickets`, for clients that cannot set headers. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  ticket?: string;
}

export class ContainerStreamQueryDto extends StreamQueryDto {
  /** Container id, id prefix or name. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  container!: string;
}

export class LogsStreamQueryDto extends ContainerStreamQueryDto {
  /** Keep the stream open for new lines (default true); false sends what there is and closes. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  follow: boolean = true;

  /** Only the last N lines first: 1000 when absent, as the REST logs snapshot; `all` for the whole log. */
  @IsOptional()
  @QueryInt({ unbounded: 'all' })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  tail?: number = DEFAULT_LOG_TAIL;

  /** Only lines at or after this time: RFC 3339 (to the nanosecond), unix seconds or a duration before now (`10m`). */
  @IsOptional()
  @IsLogTime()
  since?: string;

  /** Accepted for older clients and ignored: every line carries its engine timestamp as `ts` (to resume exactly). */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  timestamps?: boolean;

  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  stdout: boolean = true;

  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  stderr: boolean = true;
}

/** A Swarm service's log (every task's), with the container log's options. */
export class ServiceLogsStreamQueryDto extends OmitType(LogsStreamQueryDto, ['container'] as const) {
  /** Service id, id prefix or name. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  service!: string;
}

export class ExecStreamQueryDto extends ContainerStreamQueryDto {
  /** The command and its arguments, one `cmd` parameter each; `sh` when absent. */
  @IsOptional()
  @IsString({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @MaxLength(4096, { each: true })
  cmd: string[] = ['sh'];

  /** Allocate a TTY (one output channel, resizable). */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  tty: boolean = false;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  user?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  workingDir?: string;
}

export class AttachStreamQueryDto extends ContainerStreamQueryDto {
  /** Replay what the container printed before attaching (its log), then go on live. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  logs: boolean = false;

  /** Live output and stdin (default true); false with `logs=true` sends the replay only, then closes. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  stream: boolean = true;

  /** The detach sequence, as `docker attach --detach-keys` (default `ctrl-p,ctrl-q`); the engine honours it with a TTY only. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsDetachKeys()
  detachKeys?: string;
}

/** The object types the engine reports events for (`docker events --filter type=`). */
export const ENGINE_EVENT_TYPES = [
  'container',
  'image',
  'volume',
  'network',
  'daemon',
  'plugin',
  'service',
  'node',
  'secret',
  'config',
] as const;
/** More values than this per filter is no dashboard's need. */
const FILTER_VALUES_MAX = 32;

/**
 * `docker events --filter`: each field repeatable (`type=container&type=image`), values of one
 * field ORed, fields ANDed (labels ANDed), passed to the engine as they are; `since` replays.
 */
export class EventsStreamQueryDto extends StreamQueryDto {
  /** Object types: `container`, `image`, `volume`, `network`, `daemon`, `plugin`, `service`, `node`, `secret`, `config`. */
  @IsOptional()
  @ArrayMaxSize(FILTER_VALUES_MAX)
  @IsIn(ENGINE_EVENT_TYPES, { each: true })
  type?: string[];

  /**
   * Actions (the engine's `event` filter): `start`, `die`, `exec_create`, `health_status`... A name only:
   * an exact `exec_create: <command line>` would let a viewer test a guess at the arguments redaction hides.
   */
  @IsOptional()
  @ArrayMaxSize(FILTER_VALUES_MAX)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @Matches(/^[a-z][a-z_]*$/, { each: true, message: 'each value of $property must be an action name (lower case letters and _)' })
  action?: string[];

  /** Containers by id or name; the engine matches a prefix of either (give the full id to be exact). */
  @IsOptional()
  @ArrayMaxSize(FILTER_VALUES_MAX)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { each: true, message: 'each value of $property must be a container id or name' })
  container?: string[];

  /** `key` or `key=value`, matched against the event's attributes (an object's labels); every one must match. */
  @IsOptional()
  @ArrayMaxSize(FILTER_VALUES_MAX)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  @Matches(/^[^=\s][^=]*(=.*)?$/s, { each: true, message: 'each value of $property must be key or key=value' })
  label?: string[];

  /**
   * Replay the engine's past events from this time, then go on live: RFC 3339 (to the nanosecond), unix
   * seconds (an event's `timeNano` / 1e9) or a duration before now (`10m`). The engine keeps its last 256 events.
   */
  @IsOptional()
  @IsLogTime()
  since?: string;
}

export class StatsStreamQueryDto extends ContainerStreamQueryDto {}
