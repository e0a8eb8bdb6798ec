import { ApiProperty } from '@nestjs/swagger';
import { PROBLEM_CODES, type ProblemCode } from '../problem-codes.js';

export class FieldErrorDto {
  /** The field path, e.g. `ports[0].hostPort`. */
  field: string;
  message: string;
}

/** RFC 9457 problem details: the body of every non-2xx answer. */
export class ProblemDto {
  /** A URI naming the kind of problem, derived from `code`. */
  type: string;
  title: string;
  @ApiProperty({ type: 'integer' })
  status: number;
  /** What happened, for a person. */
  detail: string;
  /** The path of the request. */
  instance: string;
  /** A stable machine-readable code, e.g. `CONTAINER_NOT_FOUND`. */
  @ApiProperty({ enum: PROBLEM_CODES, enumName: 'ProblemCode' })
  code: ProblemCode;
  /** The request id, as in the `X-Request-Id` header. */
  requestId?: string;
  /** Field errors of a 400 `VALIDATION_FAILED`. */
  errors?: FieldErrorDto[];
}
