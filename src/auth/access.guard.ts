import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_KEY, ROLE_KEY, Role } from '../common/access.decorators.js';
import { ProblemException } from '../common/problem.js';

/** Deny by default: a route is reachable only when it is marked public or names a role. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const role = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets);
    if (!role) throw new ProblemException(403, 'FORBIDDEN', 'This route is not open to any role.');
    return true;
  }
}
