import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';
import { commandSchema, commandWords, IsCommand } from '../../common/shell-words.js';
import { ENV_ENTRY } from './container-validators.js';

// Listed bottom-up, the order in which stacked decorators apply, so the rules register as they did stacked.

/** An optional argv (`cmd`, `entrypoint`): an array of strings, or one command line split like a shell. */
export const OptionalCommand = () =>
  applyDecorators(
    IsCommand() as PropertyDecorator,
    Transform(({ value }) => commandWords(value)),
    ApiPropertyOptional(commandSchema()),
    IsOptional(),
  );

/** An optional `-e KEY=value` list. */
export const OptionalEnv = () =>
  applyDecorators(
    Matches(ENV_ENTRY, { each: true, message: 'each env entry must be KEY=value' }),
    ArrayMaxSize(1000),
    IsArray(),
    // Stated here: the swagger plugin reads @ArrayMaxSize only where it is written on the property.
    ApiPropertyOptional({ maxItems: 1000 }),
    IsOptional(),
  );
