import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';
import { HostGrantDto } from './host-roles.dto.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_PATTERN, USERNAME_RULE } from '../user-limits.js';

export class UserDto {
  /** @example 3f2c8e1a-5b7d-4c9e-a0f1-6d8b2e4c7a90 */
  id: string;
  /** @example admin */
  username: string;
  /**
   * viewer: read; operator: viewer + change containers and images; admin: operator + users, keys, audit.
   * @example admin
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /**
   * A disabled user can neither log in nor use their API keys.
   * @example false
   */
  disabled: boolean;
  /**
   * The user's role per host (PUT /api/v1/users/{id}/host-roles); [] : the global role everywhere.
   * @example [{"host": "staging-*", "role": "operator"}]
   */
  hostRoles: HostGrantDto[];
  /** @example 2026-11-20T09:00:00.000Z */
  createdAt: string;
  /** @example 2026-11-26T17:10:00.000Z */
  updatedAt: string;
}

export class UserCreateDto {
  /**
   * 1-64 letters, digits, dots, dashes or underscores.
   * @example jane
   */
  @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` })
  username: string;

  /** @example correct-horse-battery-staple */
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password: string;

  /**
   * viewer: read; operator: viewer + change containers and images; admin: operator + users, keys, audit.
   * @example operator
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn(ROLES)
  role: Role;
}

export class UserUpdateDto {
  /**
   * Lowering the role of the last enabled admin is refused.
   * @example viewer
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  /**
   * Disabling ends the user's sessions and API keys at once.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /**
   * Sets a new password; the user's current sessions end.
   * @example tr0ub4dor-and-three-more
   */
  @IsOptional()
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password?: string;
}
