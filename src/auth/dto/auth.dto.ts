import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH } from '../../users/user-limits.js';
import { UserDto } from '../../users/dto/user.dto.js';

/**
 * Far above a real token's 52 characters, so a bigger body is refused before it is hashed; and above an access
 * token's ~300, sent by mistake, which is then a wrong token (401) like any other.
 */
const REFRESH_TOKEN_MAX_LENGTH = 1024;

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

/** A refresh token, as login or the last refresh answered it. */
export class RefreshTokenDto {
  /**
   * The refresh token (`berth_rt_` and 43 characters).
   * @example berth_rt_Zk3q8VYwq2m1b0Xc4n7pL9sRtU6aHdEfGj5iKoNqWxY
   */
  @IsString()
  @Length(1, REFRESH_TOKEN_MAX_LENGTH)
  refreshToken: string;
}

/** A new access token, and the refresh token to use next time (the one presented is spent). */
export class TokenPairDto {
  /**
   * A JWT; send it as `Authorization: Bearer <accessToken>`.
   * @example eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjJjOGUxYS01YjdkLTRjOWUtYTBmMS02ZDhiMmU0YzdhOTAiLCJpYXQiOjE3OTc1NDI0MDAsImV4cCI6MTc5NzU0MzMwMH0.Qb0xH1N1d3Bq6mYvWcA8zE4nT2rKjS5uL7fG9hD0iXo
   */
  accessToken: string;
  /** @example Bearer */
  tokenType: 'Bearer';
  /**
   * Seconds until the access token expires; then refresh it (or log in again).
   * @example 900
   */
  @ApiProperty({ type: 'integer' })
  expiresIn: number;
  /**
   * Single use: exchange it at `POST /api/v1/auth/refresh` for a new pair; a second use revokes every token of this login. Keep it out of URLs and logs.
   * @example berth_rt_Zk3q8VYwq2m1b0Xc4n7pL9sRtU6aHdEfGj5iKoNqWxY
   */
  refreshToken: string;
  /**
   * Seconds until the refresh token expires; each refresh starts a new lifetime.
   * @example 2592000
   */
  @ApiProperty({ type: 'integer' })
  refreshExpiresIn: number;
}

export class LoginResponseDto extends TokenPairDto {
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
