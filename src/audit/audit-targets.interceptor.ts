import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import { auditContext, isMutating } from './audit-context.js';

/** Adds the id of what a mutating request created (`id`, `jobId` in the answer) and a job's `target` (an image reference) to its audit targets. */
@Injectable()
export class AuditTargetsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (!isMutating(request.method)) return next.handle();
    return next.handle().pipe(
      tap((body: unknown) => {
        if (!body || typeof body !== 'object') return;
        for (const field of ['id', 'jobId', 'target']) {
          const value = (body as Record<string, unknown>)[field];
          if (typeof value === 'string') auditContext(request).targets.push(value);
        }
      }),
    );
  }
}
