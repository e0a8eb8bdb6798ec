import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH } from '../../users/user-limits.js';
import { UserDto } from '../../users/dto/user.dto.js';

export class LoginDto {
  /** @example admin */
  @IsString()
  @Length(1, USERNAME_MAX_LENGTH)
  username: string;

  /** @example correct-horse-battery-staple */
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password: string;
}

export class LoginResponseDto {
  /**
   * A JWT; send it as `Authorization: Bearer <accessToken>`.
   * @example eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjJjOGUxYS01YjdkLTRjOWUtYTBmMS02ZDhiMmU0YzdhOTAiLCJpYXQiOjE3OTc1NDI0MDAsImV4cCI6MTc5NzU0MzMwMH0.Qb0xH1N1d3Bq6mYvWcA8zE4nT2rKjS5uL7fG9hD0iXo
   */
  accessToken: string;
  /** @example Bearer */
  tokenType: 'Bearer';
  /**
   * Seconds until the token expires; then log in again.
   * @example 900
   */
  expiresIn: number;
  user: UserDto;
}

export class PasswordChangeDto {
  /** @example correct-horse-battery-staple */
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  /** @example tr0ub4dor-and-three-more */
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class MeDto {
  user: UserDto;
  /**
   * How this request authenticated: a login session or an API key.
   * @example apiKey
   */
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  /**
   * The role this request has: the user's, or the key's (at most the user's).
   * @example operator
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /**
   * The API key, when the request used one.
   * @example 5d9e7c1a-0b2f-4e6d-8a3c-1f7b9e2d4c60
   */
  apiKeyId?: string;
}
