import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi.js';

export const IDEMPOTENT = 'berth:idempotent';

/**
 * Marks a `POST` that creates as taking `Idempotency-Key` (IdempotencyInterceptor does the work), and documents the
 * header and its answers: a retry gets the first answer (24 h), 422 IDEMPOTENCY_KEY_REUSED, 409 IDEMPOTENCY_KEY_IN_FLIGHT.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        "Makes a retry safe: a retry with the same key by the same credential (a user's sessions, or one API key) on the " +
        'same route within 24 h answers the first answer again (status, body, Location; with `Idempotency-Replayed: true`) ' +
        'instead of creating twice. The same key with another body or query: 422 IDEMPOTENCY_KEY_REUSED; while the first ' +
        'request still runs: 409 IDEMPOTENCY_KEY_IN_FLIGHT (retry after `Retry-After`). A 5xx is not kept: its retry runs ' +
        'again. 1-255 printable ASCII characters, e.g. a UUID; JSON bodies only.',
      schema: { type: 'string', minLength: 1, maxLength: 255, example: '5f0c6f9e-3d1b-4f57-9a53-2a1c0d7e8b41' },
    }),
    ApiProblems({ 409: ['IDEMPOTENCY_KEY_IN_FLIGHT'], 422: ['IDEMPOTENCY_KEY_REUSED'] }),
  );
