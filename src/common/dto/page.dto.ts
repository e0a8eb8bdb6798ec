import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination.js';
import { QueryInt } from '../validators.js';

/** `limit` and `cursor`: every list that can grow takes them (extend this in the list's query DTO). */
export class PageQueryDto {
  /** Page size, 1-1000; default 1000. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  /** The `nextCursor` of the previous page (opaque). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,2000}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

/**
 * The page of a list, `{items, nextCursor, total}`, for one item DTO: `class JobPageDto extends PageOf(JobDto) {}`
 * (a named subclass, so that the OpenAPI schema has a name).
 */
export function PageOf<T>(item: Type<T>) {
  abstract class PageDto {
    @ApiProperty({ type: () => [item] })
    items: T[];

    /** Pass as `cursor` for the next page; null on the last page. */
    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` for the next page; null on the last page.',
      example: 'WyIyMDI2LTExLTI2VDE3OjM3OjE0LjAwMFoiLCI5ZjNjIl0',
    })
    nextCursor: string | null;

    /** How many items match the filters, on all pages. */
    @ApiProperty({ type: 'integer', minimum: 0, description: 'How many items match the filters, on all pages.', example: 42 })
    total: number;
  }
  return PageDto;
}
