import { ApiPropertyOptional } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { satisfies } from '../common/validators.js';

/** A secret's or config's name, as swarmkit takes it: up to 64 of [a-zA-Z0-9-_.], a letter or digit at each end. */
export const SWARM_OBJECT_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-_.]{0,62}[a-zA-Z0-9])?$/;
/** An id, id prefix, or name (hostname, service name) of a swarm object in a path or filter. */
export const SWARM_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** A label key: printable, no `=` (the CLI's separator), at most 255 characters. */
const LABEL_KEY = /^[^=\s\p{Cc}][^=\p{Cc}]{0,254}$/u;
const MAX_LABEL_VALUE = 4096;
const MAX_LABELS = 100;

/** `{key: "value" | null}`: labels to set or (null) to remove, as a JSON merge patch says. */
export function isLabelPatch(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_LABELS &&
    entries.every(([key, v]) => LABEL_KEY.test(key) && (v === null || (typeof v === 'string' && v.length <= MAX_LABEL_VALUE)))
  );
}

export const IsLabelPatch = () =>
  applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string', nullable: true } }),
    satisfies(
      'isLabelPatch',
      isLabelPatch,
      `$property must be an object of at most ${MAX_LABELS} labels (keys without '=', values strings of at most ${MAX_LABEL_VALUE} characters, or null to remove)`,
    ) as PropertyDecorator,
  );
