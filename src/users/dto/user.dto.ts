import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_PATTERN, USERNAME_RULE } from '../user-limits.js';

export class UserDto {
  id: string;
  username: string;
  /** viewer: read; operator: viewer + change containers and images; admin: operator + users, keys, audit. */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /** A disabled user can neither log in nor use their API keys. */
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export class UserCreateDto {
  /** 1-64 letters, digits, dots, dashes or underscores. */
  @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` })
  username: string;

  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password: string;

  /** viewer: read; operator: viewer + change containers and images; admin: operator + users, keys, audit. */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn(ROLES)
  role: Role;
}

export class UserUpdateDto {
  /** Lowering the role of the last enabled admin is refused. */
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  /** Disabling ends the user's sessions and API keys at once. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** Sets a new password; the user's current sessions end. */
  @IsOptional()
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password?: string;
}
