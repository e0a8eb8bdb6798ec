import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { ProblemException } from './problem.js';
import { routeParamChecker } from './route-params.js';

/** The media type of a request that carries a body and is not JSON (`curl -d` sends a form); undefined otherwise. */
export function nonJsonBodyType(headers: IncomingHttpHeaders): string | undefined {
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
  if (!hasBody) return undefined;
  const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' ? undefined : mediaType || 'none';
}

/**
 * A route that takes a JSON body (`@Body()`) answers a body of another type with 415, not with
 * the form parser's odd fields. Routes that read other bodies (build, load) use `@Req()` and check theirs.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly routeTakesBody = routeParamChecker(RouteParamtypes.BODY);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      const mediaType = nonJsonBodyType(request.headers);
      if (mediaType !== undefined && this.routeTakesBody(context)) {
        // A body no parser read is still on the connection: close it rather than have the next request read it.
        if (!request.complete) context.switchToHttp().getResponse<Response>().setHeader('Connection', 'close');
        throw new ProblemException(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `This route takes a JSON body: send Content-Type: application/json (got ${mediaType}).`,
        );
      }
    }
    return next.handle();
  }
}
