import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH } from '../../users/user-limits.js';
import { UserDto } from '../../users/dto/user.dto.js';

export class LoginDto {
  @IsString()
  @Length(1, USERNAME_MAX_LENGTH)
  username: string;

  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password: string;
}

export class LoginResponseDto {
  /** A JWT; send it as `Authorization: Bearer <accessToken>`. */
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires; then log in again. */
  @ApiProperty({ type: 'integer' })
  expiresIn: number;
  user: UserDto;
}

export class PasswordChangeDto {
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class MeDto {
  user: UserDto;
  /** How this request authenticated: a login session or an API key. */
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  /** The role this request has: the user's, or the key's (at most the user's). */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /** The API key, when the request used one. */
  apiKeyId?: string;
}
