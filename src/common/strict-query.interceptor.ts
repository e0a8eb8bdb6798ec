import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { validationFailed } from './validation.js';

/**
 * A route that declares no query DTO takes no query parameters: `?foo=1` is a 400, not
 * silently ignored (routes with a DTO get the same from the ValidationPipe).
 */
@Injectable()
export class StrictQueryInterceptor implements NestInterceptor {
  private readonly declaresQuery = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      const fields = Object.keys(request.query ?? {});
      if (fields.length > 0 && !this.routeDeclaresQuery(context)) {
        throw validationFailed(fields.map((field) => ({ field, message: `property ${field} should not exist` })));
      }
    }
    return next.handle();
  }

  private routeDeclaresQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.declaresQuery.get(handler);
    if (known === undefined) {
      const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      known = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
      this.declaresQuery.set(handler, known);
    }
    return known;
  }
}
