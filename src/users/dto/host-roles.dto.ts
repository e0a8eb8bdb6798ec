import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches, ValidateNested } from 'class-validator';
import { GRANT_ROLES, type GrantRole, HOST_GLOB_PATTERN, HOST_LABEL_PATTERN } from '../../common/host-grants.js';

/** Grants a user may hold at most. */
export const MAX_HOST_GRANTS = 100;

/** A role on the hosts a host id glob or a host label matches: give exactly one of `host` and `label`. */
export class HostGrantDto {
  /**
   * A host id, or a glob with `*` for any run of characters.
   * @example staging-*
   */
  @IsOptional()
  @Matches(HOST_GLOB_PATTERN, { message: 'host must be a host id or a glob of one: a-z, 0-9, - and *, at most 63' })
  host?: string;

  /**
   * A host label `key=value`, matched exactly against the labels of host records.
   * @example env=prod
   */
  @IsOptional()
  @Matches(HOST_LABEL_PATTERN, { message: 'label must be key=value' })
  label?: string;

  /**
   * The role on the matching hosts; `none` hides them (404 HOST_NOT_FOUND, as for a host that does not exist).
   * @example operator
   */
  @ApiProperty({ enum: GRANT_ROLES, enumName: 'GrantRole' })
  @IsIn(GRANT_ROLES)
  role: GrantRole;
}

/** A user's per-host roles. Where grants match a host, the highest of them is the role there; elsewhere the user's global role. */
export class HostRolesDto {
  /**
   * All of the user's grants, replaced as a whole by PUT; [] : the global role everywhere.
   * @example [{"host": "staging-*", "role": "operator"}, {"label": "env=prod", "role": "viewer"}, {"host": "vault", "role": "none"}]
   */
  @IsArray()
  @ArrayMaxSize(MAX_HOST_GRANTS)
  @ValidateNested({ each: true })
  @Type(() => HostGrantDto)
  grants: HostGrantDto[];
}
