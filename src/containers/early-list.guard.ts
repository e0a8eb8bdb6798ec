import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { ContainersService, type EarlyList } from './containers.service.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The list's engine call started by EarlyListGuard, for the handler to take. */
    earlyList?: EarlyList;
  }
}

/**
 * The last guard of `GET /hosts/{host}/containers`: it runs after every global guard (access, host grants, rate
 * limit) let the request through, and starts its engine call then (ContainersService.startList), so that the
 * engine answers while validation and the rest of Nest's pipeline run. It never refuses: it only starts, for a
 * request that every guard admitted, a call that request is about to make; the answer goes to that request only.
 */
@Injectable()
export class EarlyListGuard implements CanActivate {
  constructor(private readonly containers: ContainersService) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const host = (request.params as Record<string, unknown>).host;
    if (typeof host !== 'string') return true;
    request.earlyList = this.containers.startList(host, queryStringOf(request.originalUrl));
    if (!request.earlyList.list) return true;
    // Node writes a request to its socket in a nextTick, and nextTicks queued from promise jobs wait until no promise
    // job is left: the rest of Nest's pipeline (promise jobs to the handler's await) would go first, and the engine
    // would hear of the call only then. One turn of the event loop lets the request out before validation runs.
    return new Promise((resolve) => setImmediate(resolve, true));
  }
}

/** What follows the `?` of a request target, as sent. */
export function queryStringOf(target: string): string {
  const at = target.indexOf('?');
  return at < 0 ? '' : target.slice(at + 1);
}

/** The list's early engine call (EarlyListGuard), if the guard ran. */
export const EarlyListOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): EarlyList | undefined => context.switchToHttp().getRequest<Request>().earlyList,
);
