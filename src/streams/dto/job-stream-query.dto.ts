import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class JobStreamQueryDto {
  /** The job (`GET /api/v1/jobs`). */
  @IsUUID('4')
  id!: string;

  /** A one-time ticket from `POST /api/v1/ws/tickets`, for clients that cannot set headers. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  ticket?: string;
}
