import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page.dto.js';
import { DEFAULT_LOG_TAIL, IsLogTime } from '../../common/log-time.js';
import { validationFailed } from '../../common/validation.js';
import { QueryBoolean, QueryInt, QueryList } from '../../common/validators.js';
import { CONTAINER_REF } from '../container-ref.pipe.js';
import { IsSignal } from './container-validators.js';

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'] as const;

/** The filters of `docker ps`, and the page. Repeat a parameter to give several values (`?label=a&label=b=c`). */
export class ContainerListQueryDto extends PageQueryDto {
  /** `-a`: stopped containers too. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  all?: boolean;

  /** `-n`: only the last this many created (any state), before paging; `limit` is the page size. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(10000)
  last?: number;

  @IsOptional()
  @QueryList()
  @IsIn(STATES, { each: true })
  status?: Array<(typeof STATES)[number]>;

  /** `key` or `key=value`. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  label?: string[];

  /** A name or part of one. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  name?: string[];

  /** An id or id prefix. */
  @IsOptional()
  @QueryList()
  @Matches(/^[a-f0-9]{1,64}$/, { each: true })
  id?: string[];

  /** Containers of this image (or its descendants). */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  ancestor?: string[];

  /** Created before this container (id or name). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(CONTAINER_REF, { message: 'before must be a container id, id prefix or name' })
  before?: string;

  /** Created after this container (id or name). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(CONTAINER_REF, { message: 'since must be a container id, id prefix or name' })
  since?: string;

  /** Exited with this code. */
  @IsOptional()
  @QueryList()
  @Matches(/^-?\d{1,3}$/, { each: true })
  exited?: string[];

  @IsOptional()
  @IsIn(['starting', 'healthy', 'unhealthy', 'none'])
  health?: 'starting' | 'healthy' | 'unhealthy' | 'none';

  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  network?: string[];

  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  volume?: string[];

  /** Publishes this port, e.g. `8080` or `8080/tcp`. */
  @IsOptional()
  @QueryList()
  @Matches(/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/, { each: true })
  publish?: string[];

  /** Exposes this port, e.g. `80` or `80/tcp`. */
  @IsOptional()
  @QueryList()
  @Matches(/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/, { each: true })
  expose?: string[];
}

/** `docker stop -t` / `docker restart -t`. */
export class StopQueryDto {
  /** Seconds to wait after SIGTERM before SIGKILL; the container's own default (10 s) when omitted. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(3600)
  timeout?: number;

  /** `docker stop -t`: the same as `timeout` (give one, or both equal). */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(3600)
  t?: number;
}

/** `timeout`, or its alias `t`: both given and different is a 400, not a silent pick. */
export function stopTimeout(query: StopQueryDto): number | undefined {
  if (query.timeout !== undefined && query.t !== undefined && query.timeout !== query.t) {
    throw validationFailed([{ field: 't', message: 't is an alias of timeout; give one of them, or the same value' }]);
  }
  return query.timeout ?? query.t;
}

/** `docker kill -s`. */
export class KillQueryDto {
  /** A signal name (`KILL`, `SIGHUP`) or number; KILL when omitted. */
  @IsOptional()
  @IsString()
  @IsSignal()
  signal?: string;
}

/** `docker rm -f -v`. */
export class RemoveQueryDto {
  /** Kill it first if it runs. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  force?: boolean;

  /** Remove its anonymous volumes too. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  volumes?: boolean;
}

/** `docker top CONTAINER [ps OPTIONS]`. */
export class TopQueryDto {
  /** Options for `ps` on the host, e.g. `-ef` or `aux`. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z0-9 ,=%-]{1,128}$/, { message: 'psArgs may hold letters, digits, spaces and , = % -' })
  psArgs?: string;
}

/** `docker logs` options, for a snapshot. */
export class LogsQueryDto {
  /** Lines from the end: a number or `all`. */
  @IsOptional()
  @Matches(/^(all|\d{1,9})$/, { message: 'tail must be a number of lines or all' })
  tail?: string = String(DEFAULT_LOG_TAIL);

  /** Only lines after this: RFC 3339 time, Unix seconds or a duration before now (`10m`). */
  @IsOptional()
  @IsString()
  @IsLogTime()
  since?: string;

  /** Only lines before this, in the same forms as `since`. */
  @IsOptional()
  @IsString()
  @IsLogTime()
  until?: string;

  /** Include the engine's timestamp of each line. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  timestamps?: boolean = false;

  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  stdout?: boolean = true;

  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  stderr?: boolean = true;
}
