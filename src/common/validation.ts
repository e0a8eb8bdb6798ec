import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem.js';
import { cacheValidationMetadata } from './validation-metadata.js';

/** Flattens class-validator's tree into `[{field: "ports[0].hostPort", message}]`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return own.concat(fieldErrors(error.children ?? [], field));
  });
}

/** A problem lists at most this many field errors: 10k bad array items must not make a 4 MB answer. */
export const MAX_FIELD_ERRORS = 100;

export function validationFailed(errors: FieldError[]): ProblemException {
  const shown = errors.slice(0, MAX_FIELD_ERRORS);
  const fields = [...new Set(shown.map((e) => e.field))].join(', ');
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more errors)` : '';
  return new ProblemException(400, 'VALIDATION_FAILED', `Invalid input: ${fields}${more}.`, { errors: shown });
}

/** Whitelists DTO fields, rejects unknown ones and converts query strings to the declared types. */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(fieldErrors(errors)),
  });
}
