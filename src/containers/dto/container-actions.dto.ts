import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Transform } from 'class-transformer';
import { commandSchema, commandWords, IsCommand } from '../../common/shell-words.js';
import { CONTAINER_NAME, REPOSITORY, TAG, USER } from './container-validators.js';
import { OptionalEnv } from './command-env-fields.js';

/** `docker rename`. */
export class ContainerRenameDto {
  /** @example web-old */
  @IsString()
  @Matches(CONTAINER_NAME, { message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]+' })
  @MaxLength(128)
  name: string;
}

/** `docker top`. */
export class ContainerTopDto {
  /**
   * The columns of `ps`.
   * @example ["PID","USER","TIME","COMMAND"]
   */
  titles: string[];
  /**
   * One row per process, in the order of `titles`.
   * @example [["12345","root","0:00","httpd -f -p 80"]]
   */
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'string' } } })
  processes: string[][];
}

/** A command to run to its end in a running container, without a TTY. */
export class ExecDto {
  /**
   * The command and its arguments, not run by a shell (`["sh", "-c", "..."]` for one): an array, or a string split
   * like a shell (`"ls -l /tmp"`, quotes respected, no variables expanded, operators such as `|` refused).
   * @example ["ls", "/var/www"]
   */
  @ApiProperty(commandSchema(1))
  @Transform(({ value }) => commandWords(value))
  @IsCommand({ min: 1 })
  cmd: string[];

  /** @example ["GREETING=hello"] */
  @OptionalEnv()
  env?: string[];

  /** @example /var/www */
  @IsOptional()
  @IsString()
  @Matches(/^\//, { message: 'workingDir must be an absolute path' })
  @MaxLength(4096)
  workingDir?: string;

  /** @example root */
  @IsOptional()
  @IsString()
  @Matches(USER, { message: 'user must be user, uid, user:group or uid:gid' })
  user?: string;

  /**
   * Kill the command after this long and answer with `timedOut: true`.
   * @example 30000
   */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600_000)
  timeoutMs?: number = 30_000;
}

export class ExecResultDto {
  /**
   * The command's exit code; null when it outlived `timeoutMs` and could not be reaped.
   * @example 0
   */
  @ApiProperty({ type: 'integer', nullable: true })
  exitCode: number | null;
  /** @example index.html */
  stdout: string;
  /** @example "" */
  stderr: string;
  /**
   * Some output was cut at the per-stream cap.
   * @example false
   */
  truncated: boolean;
  /**
   * The command ran past `timeoutMs`. It was killed (exit code 137), unless the image has no `sh`
   * to reach it with: then it runs on and `exitCode` is null.
   * @example false
   */
  timedOut: boolean;
}

/** `docker commit`. */
export class ContainerCommitDto {
  /**
   * The repository of the new image, e.g. `team/app` or `localhost:5001/team/app`.
   * @example localhost:5001/team/app
   */
  @IsString()
  @Matches(REPOSITORY, { message: 'repo must be a lowercase repository such as team/app' })
  @MaxLength(255)
  repo: string;

  /** @example "1.0" */
  @IsOptional()
  @IsString()
  @Matches(TAG, { message: 'tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' })
  tag?: string = 'latest';

  /** @example "web server with the landing page" */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  comment?: string;

  /** e.g. `Jane Doe <jane@example.com>`. */
  @ApiPropertyOptional({ example: 'Jane Doe <jane@example.com>' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  author?: string;

  /**
   * Pause the container while committing (default, as `docker commit`).
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  pause?: boolean;

  /**
   * `--change`: Dockerfile instructions applied to the image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR).
   * @example ["CMD httpd -f -p 80", "EXPOSE 80"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^(CMD|ENTRYPOINT|ENV|EXPOSE|LABEL|ONBUILD|USER|VOLUME|WORKDIR)\s+[^\n]+$/i, {
    each: true,
    message: 'each change must be one Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME or WORKDIR',
  })
  changes?: string[];
}

export class CommittedImageDto {
  /**
   * The new image's id (`sha256:...`).
   * @example sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7
   */
  id: string;
  /**
   * `repo:tag`.
   * @example localhost:5001/team/app:1.0
   */
  image: string;
  /**
   * The env keys of the source container that the image now carries (values never shown): check them for secrets before pushing.
   * @example ["GREETING", "PATH"]
   */
  carriedEnvKeys: string[];
}
