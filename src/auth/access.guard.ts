import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PUBLIC_KEY, ROLE_KEY, Role, USER_SESSION_KEY, roleAllows } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import { Authenticator } from './authenticator.js';
import { HostAccess } from './host-access.js';

/** Routes under one host (`/api/v1/hosts/{host}/...`): their role is the caller's role on that host. */
const HOST_SCOPED_ROUTE = '/api/v1/hosts/:host/';

const REALM = 'Bearer realm="berth"';

/**
 * Deny by default: a route is reachable only when it is marked public, or when the caller's
 * bearer credential checks out and its role is at least the one the route names. On a route under
 * a host, that is the caller's role on the host (HostAccess): a host they may not see is a 404
 * HOST_NOT_FOUND exactly like an unknown one, and the principal the handler gets carries that role.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly hosts: DockerHosts,
    private readonly hostAccess: HostAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // WebSocket channels check credentials on the upgrade request (src/streams), not per message.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<Request>();
    const credential = bearerCredential(request);
    const authenticated = await this.authenticator.authenticate(credential);
    if (!authenticated) throw unauthenticated('The credential is invalid, expired or revoked.', `${REALM}, error="invalid_token"`);
    request.principal = authenticated;

    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets);
    if (!role) throw new ProblemException(403, 'FORBIDDEN', 'This route is not open to any role.');
    const principal = this.onRouteHost(request, authenticated);
    request.principal = principal;
    if (!roleAllows(principal.role, role)) {
      throw new ProblemException(403, 'FORBIDDEN', `This needs the role '${role}'; the credential has '${principal.role}'.`);
    }
    if (principal.kind !== 'user' && this.reflector.getAllAndOverride<boolean>(USER_SESSION_KEY, targets)) {
      throw new ProblemException(403, 'FORBIDDEN', 'This needs a user session (log in); an API key cannot manage credentials.');
    }
    // An answer already streaming (an image export, a log download) is cut when its access ends; one not begun yet
    // goes on to its own checks (the request that revoked answers as usual).
    const response = context.switchToHttp().getResponse<Response>();
    response.once(
      'close',
      this.authenticator.watch(principal, () => {
        if (response.headersSent) response.destroy();
      }),
    );
    return true;
  }

  /** The principal as it acts on the route's host (404 when unknown or invisible); itself on a route under no host. */
  private onRouteHost(request: Request, principal: Principal): Principal {
    const path = (request.route as { path?: unknown } | undefined)?.path;
    const hostId = (request.params as Record<string, unknown> | undefined)?.host;
    if (typeof path !== 'string' || !path.startsWith(HOST_SCOPED_ROUTE) || typeof hostId !== 'string') return principal;
    return this.hostAccess.onHost(principal, this.hosts.get(hostId).host);
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
