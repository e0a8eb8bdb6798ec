import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { PUBLIC_KEY, ROLE_KEY, Role, USER_SESSION_KEY, roleAllows } from '../common/access.decorators.js';
import { ProblemException } from '../common/problem.js';
import { Authenticator } from './authenticator.js';

const REALM = 'Bearer realm="berth"';

/**
 * Deny by default: a route is reachable only when it is marked public, or when the caller's
 * bearer credential checks out and its role is at least the one the route names.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // WebSocket channels check credentials on the upgrade request (src/streams), not per message.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<Request>();
    const credential = bearerCredential(request);
    const principal = await this.authenticator.authenticate(credential);
    if (!principal) throw unauthenticated('The credential is invalid, expired or revoked.', `${REALM}, error="invalid_token"`);
    request.principal = principal;

    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets);
    if (!role) throw new ProblemException(403, 'FORBIDDEN', 'This route is not open to any role.');
    if (!roleAllows(principal.role, role)) {
      throw new ProblemException(403, 'FORBIDDEN', `This needs the role '${role}'; the credential has '${principal.role}'.`);
    }
    if (principal.kind !== 'user' && this.reflector.getAllAndOverride<boolean>(USER_SESSION_KEY, targets)) {
      throw new ProblemException(403, 'FORBIDDEN', 'This needs a user session (log in); an API key cannot manage credentials.');
    }
    return true;
  }
}

/** The credential of `Authorization: Bearer <credential>`; 401 when there is none. */
export function bearerCredential(request: Pick<Request, 'headers'>): string {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  if (!match) throw unauthenticated('Send a token or API key as `Authorization: Bearer <credential>`.', REALM);
  return match[1];
}

function unauthenticated(detail: string, challenge: string): ProblemException {
  return new ProblemException(401, 'UNAUTHENTICATED', detail, { headers: { 'WWW-Authenticate': challenge } });
}
