import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { ROLES, type Role } from '../../common/access.decorators.js';

export class ApiKeyDto {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart; the key itself is shown only once. */
  prefix: string;
  /** What the key may do; at most its owner's role, and lowered with it. */
  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;
  /** When the key stops working; null: never. */
  expiresAt: string | null;
  /** The last time the key was used (to the minute); null: never. */
  lastUsedAt: string | null;
  createdAt: string;
  /** The owner. */
  userId: string;
  username: string;
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  /** The key (`berth_...`): shown this once, stored only as a hash. Send it as `Authorization: Bearer <key>`. */
  key: string;
}

export class ApiKeyCreateDto {
  /** What the key is for, e.g. the bot's name. */
  @IsString()
  @Length(1, 100)
  name: string;

  /** At most your own role; defaults to it. */
  @ApiProperty({ enum: ROLES, enumName: 'Role', required: false })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  /** When the key stops working (ISO-8601, in the future); none: never. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;
}
