import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Role } from './access.decorators.js';

/** Who is calling: a user with a password session (JWT) or one of their API keys. */
export interface Principal {
  kind: 'user' | 'apiKey';
  userId: string;
  username: string;
  /** The effective role: a key's role, which is at most its owner's. */
  role: Role;
  apiKeyId?: string;
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
