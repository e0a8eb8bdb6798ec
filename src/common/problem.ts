import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ProblemDto } from './dto/problem.dto.js';
import type { ProblemCode } from './problem-codes.js';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemOptions {
  title?: string;
  errors?: FieldError[];
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Extension members added to the body (RFC 9457 §3.2), e.g. the containers using an image. */
  extensions?: Record<string, unknown>;
}

/** An error that becomes an RFC 9457 problem+json answer with a stable `code`. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly problem: ProblemOptions = {},
  ) {
    super(detail, status);
  }

  /** The problem+json body, for `instance` (the request path). */
  toBody(instance: string, requestId?: string): ProblemBody {
    const status = this.getStatus();
    const { title, errors, extensions } = this.problem;
    return {
      type: problemType(this.code),
      title: title ?? STATUS_CODES[status] ?? 'Error',
      status,
      detail: this.detail,
      instance,
      ...(requestId && { requestId }),
      code: this.code,
      ...(errors && { errors }),
      ...extensions,
    };
  }
}

/** Whether `error` is the problem `code`, e.g. the engine's IMAGE_NOT_FOUND that a pull may mend. */
export function isProblem(error: unknown, code: ProblemCode): error is ProblemException {
  return error instanceof ProblemException && error.code === code;
}

/** The documented body plus RFC 9457 extension members. */
export type ProblemBody = ProblemDto & Record<string, unknown>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: ProblemCode): string {
  return `urn:berth:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Stable codes for answers that did not come with one (unknown route, body parser, ...). */
const CODE_BY_STATUS: Partial<Record<number, ProblemCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
};

export function codeForStatus(status: number): ProblemCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}
