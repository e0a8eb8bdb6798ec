import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, ProblemBody, ProblemException, codeForStatus, problemType } from './problem.js';

/** Turns every error into problem+json. Never a stack trace, never the raw error message of a 5xx. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { body, headers } = this.toProblem(exception, request);
    if (body.status >= 500) {
      this.logger.error({ err: exception, requestId: body.requestId, code: body.code }, 'request failed');
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request: Request): { body: ProblemBody; headers: Record<string, string> } {
    const base = { instance: request.originalUrl.split('?')[0], requestId: request.id as string | undefined };
    // Nest wraps what express middleware throws (body-parser's verify hook) in an HttpException: the problem is its cause.
    const problem = exception instanceof ProblemException ? exception : causeOf(exception);
    if (problem) {
      return { headers: problem.problem.headers ?? {}, body: problem.toBody(base.instance, base.requestId) };
    }
    const status = statusOf(exception);
    const code = codeForStatus(status);
    // Client errors from Nest or body-parser carry a safe message; a 5xx message may not be.
    const detail = status < 500 ? messageOf(exception) : 'The server could not complete the request.';
    return {
      headers: {},
      body: { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail, ...base, code },
    };
  }
}

function causeOf(exception: unknown): ProblemException | undefined {
  const cause = exception instanceof HttpException ? exception.cause : undefined;
  return cause instanceof ProblemException ? cause : undefined;
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  // body-parser and other express middleware errors carry `status`.
  const status = (exception as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function messageOf(exception: unknown): string {
  // V8's JSON.parse messages quote the body (a password in it too): never echoed. Nest wraps them in a 400.
  const cause = exception instanceof HttpException ? exception.cause : exception;
  if ((cause as { type?: string } | undefined)?.type === 'entity.parse.failed') return 'The request body is not valid JSON.';
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'object' && response && 'message' in response) {
      const message = (response as { message: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message);
    }
    return exception.message;
  }
  if (exception instanceof Error) return exception.message;
  return 'Bad request.';
}
