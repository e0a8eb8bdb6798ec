import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { HostGrant } from './host-grants.js';
import type { Role } from './access.decorators.js';

/** Who is calling: a user with a password session (JWT) or one of their API keys. */
export interface Principal {
  kind: 'user' | 'apiKey';
  userId: string;
  username: string;
  /**
   * The effective role: a key's role, which is at most its owner's. On a host-scoped route or channel,
   * the role on that host (the guard and the channel opener set it from HostAccess.roleOn).
   */
  role: Role;
  apiKeyId?: string;
  /** A user's login (its refresh token family) the access token was issued to: a logout ends it. */
  sessionId?: string;
  /** How many revocations there had been when the credential was checked (Revocations.sequence). */
  checkedAt?: number;
  /** The user's per-host grants (a key: its owner's); src/auth/host-access.ts turns them into a role per host. */
  hostGrants?: readonly HostGrant[];
  /** A key's own role: it caps the owner's role on every host. */
  keyRole?: Role;
  /** A key restricted to hosts (id globs): other hosts are invisible to it. */
  keyHosts?: readonly string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the access guard once the credentials check out. */
    principal?: Principal;
  }
}

/** The authenticated caller of this request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined => context.switchToHttp().getRequest().principal,
);
