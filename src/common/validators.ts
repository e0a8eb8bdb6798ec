import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidationOptions, registerDecorator } from 'class-validator';

/** A JSON object of string values, e.g. labels; documented as such in OpenAPI. */
export function IsStringMap(options: { maxEntries?: number } & ValidationOptions = {}) {
  const { maxEntries = 1000, ...validation } = options;
  const isStringMap = (value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= maxEntries && entries.every(([key, v]) => key.length > 0 && typeof v === 'string');
  };
  return applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }),
    satisfies(
      'isStringMap',
      isStringMap,
      `$property must be an object of at most ${maxEntries} string values`,
      validation,
    ) as PropertyDecorator,
  );
}

/**
 * A property decorator from a predicate: the one shape for Berth's own validation rules
 * (`IsSignal`, `IsLogTime`, `IsBindSpecs`), so each states only its test and its message.
 */
export function satisfies(
  name: string,
  test: (value: unknown) => boolean,
  message: ValidationOptions['message'],
  options: ValidationOptions = {},
) {
  return (target: object, property: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property,
      options: { message, ...options },
      validator: { validate: test },
    });
}

/** `?force=true` → true; anything but true/false/1/0 stays a string so that @IsBoolean names it. */
export const QueryBoolean = () =>
  Transform(({ value }) => {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    return value;
  });

/**
 * `?timeout=10` → 10; anything else stays as it came, for @IsInt to reject. `unbounded`: a word
 * that means "no number" and becomes undefined (`?tail=all`).
 */
export const QueryInt = (options: { unbounded?: string } = {}) =>
  Transform(({ value }) => {
    if (options.unbounded !== undefined && value === options.unbounded) return undefined;
    return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  });

/**
 * `?label=a&label=b` and `?label=a` alike → an array. Express's query parser (qs) hands a parameter repeated more
 * than 20 times (its arrayLimit) over as an object keyed "0", "1", ...: that is the same list, in order, so a DTO's
 * own `@ArrayMaxSize` decides how many it takes (before, a 21st `--build-arg` failed as "must be KEY=value").
 */
export const QueryList = () =>
  Transform(({ value }) =>
    value === undefined ? undefined : Array.isArray(value) ? value : isIndexed(value) ? Object.values(value) : [value],
  );

/** An object whose keys are all array indices (qs's form of a long list); its values come in index order. */
function isIndexed(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => /^(?:0|[1-9]\d{0,5})$/.test(key));
}
