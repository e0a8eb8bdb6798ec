import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { routeParamChecker } from './route-params.js';
import { validationFailed } from './validation.js';

/** The names of Object.prototype's members (`constructor`, `__proto__`, `hasOwnProperty`, ...). */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The query fields of a raw query string named like a member of Object.prototype (`?constructor=1`,
 * `?__proto__[x]=1`, escaped or not): the query parser and class-transformer drop them without a word, so a
 * DTO's whitelist never sees them and they would be ignored instead of refused.
 */
export function prototypeFields(rawQuery: string): string[] {
  if (!rawQuery) return [];
  const fields = [...new URLSearchParams(rawQuery).keys()].map((key) => key.split('[')[0]);
  return [...new Set(fields.filter((field) => PROTOTYPE_NAMES.has(field)))];
}

/**
 * A route that declares no query DTO takes no query parameters: `?foo=1` is a 400, not
 * silently ignored (routes with a DTO get the same from the ValidationPipe, except for the
 * prototype's names, which never reach it: refused here).
 */
@Injectable()
export class StrictQueryInterceptor implements NestInterceptor {
  private readonly routeDeclaresQuery = routeParamChecker(RouteParamtypes.QUERY);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      const queryAt = request.url.indexOf('?');
      // The route first: Express parses the query string on every read of `request.query`.
      const fields = this.routeDeclaresQuery(context)
        ? prototypeFields(queryAt < 0 ? '' : request.url.slice(queryAt + 1))
        : Object.keys(request.query ?? {});
      if (fields.length > 0) {
        throw validationFailed(fields.map((field) => ({ field, message: `property ${field} should not exist` })));
      }
    }
    return next.handle();
  }
}
