import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { routeParamChecker } from './route-params.js';
import { validationFailed } from './validation.js';

/**
 * A route that declares no query DTO takes no query parameters: `?foo=1` is a 400, not
 * silently ignored (routes with a DTO get the same from the ValidationPipe).
 */
@Injectable()
export class StrictQueryInterceptor implements NestInterceptor {
  private readonly routeDeclaresQuery = routeParamChecker(RouteParamtypes.QUERY);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      // The route first: Express parses the query string on every read of `request.query`.
      const fields = this.routeDeclaresQuery(context) ? [] : Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
      if (fields.length > 0) {
        throw validationFailed(fields.map((field) => ({ field, message: `property ${field} should not exist` })));
      }
    }
    return next.handle();
  }
}
