import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { HOST_GLOB_PATTERN } from '../../common/host-grants.js';
import { ROLES, type Role } from '../../common/access.decorators.js';

export class ApiKeyDto {
  /** @example 5d9e7c1a-0b2f-4e6d-8a3c-1f7b9e2d4c60 */
  id: string;
  /** @example deploy-bot */
  name: string;
  /**
   * The first characters of the key, to tell keys apart; the key itself is shown only once.
   * @example berth_59Idmw
   */
  prefix: string;
  /**
   * What the key may do; at most its owner's role, and lowered with it.
   * @example operator
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /**
   * When the key stops working; null: never.
   * @example 2027-06-30T00:00:00.000Z
   */
  expiresAt: string | null;
  /**
   * The last time the key was used (to the minute); null: never.
   * @example 2026-11-26T17:20:00.000Z
   */
  lastUsedAt: string | null;
  /** @example 2026-11-26T17:10:42.517Z */
  createdAt: string;
  /**
   * The owner.
   * @example 3f2c8e1a-5b7d-4c9e-a0f1-6d8b2e4c7a90
   */
  userId: string;
  /** @example admin */
  username: string;
  /**
   * The hosts the key is restricted to (host id globs): it sees no other host. null: every host its owner may reach.
   * @example ["staging-*"]
   */
  hosts: string[] | null;
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  /**
   * The key (`berth_...`): shown this once, stored only as a hash. Send it as `Authorization: Bearer <key>`.
   * @example berth_59IdmwSUIt_NYa4gem-Hw_Junql5OK6QRndR1Loo_CQ
   */
  key: string;
}

export class ApiKeyCreateDto {
  /**
   * What the key is for, e.g. the bot's name.
   * @example deploy-bot
   */
  @IsString()
  @Length(1, 100)
  name: string;

  /**
   * At most your own role; defaults to it.
   * @example operator
   */
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  /**
   * When the key stops working (ISO-8601, in the future); none: never.
   * @example 2027-06-30T00:00:00.000Z
   */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;

  /**
   * Restricts the key to these hosts (ids, or globs with `*`): any other host is invisible to it (404). On
   * them, the key's role is still capped by your role on each host. None: every host you may reach.
   * @example ["staging-*", "ci-runner"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @Matches(HOST_GLOB_PATTERN, { each: true, message: 'each host must be a host id or a glob of one: a-z, 0-9, - and *, at most 63' })
  hosts?: string[];
}
