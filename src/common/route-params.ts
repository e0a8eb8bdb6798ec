import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';

/** Whether the route's handler declares a parameter of this kind (`@Query()`, `@Body()`), remembered per handler. */
export function routeParamChecker(paramtype: RouteParamtypes): (context: ExecutionContext) => boolean {
  const known = new WeakMap<object, boolean>();
  return (context) => {
    const handler = context.getHandler();
    let declares = known.get(handler);
    if (declares === undefined) {
      const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      declares = Object.keys(args).some((key) => key.split(':')[0] === String(paramtype));
      known.set(handler, declares);
    }
    return declares;
  };
}
