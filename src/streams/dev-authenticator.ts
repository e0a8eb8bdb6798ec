// ============================================================================================
// TEMPORARY — DELETE AT THE ISSUE-3 (AUTH) MERGE, together with its one import in
// src/app.module.ts (`DevAuthenticatorModule`). It lets the streams branch run before the
// real Authenticator exists and must never be reachable in production:
//   - it accepts only the tokens listed in BERTH_DEV_TOKENS ("role:token,role:token");
//     without that variable it accepts nothing;
//   - it refuses to start when NODE_ENV=production and BERTH_DEV_TOKENS is set.
// The middleware sets request.principal for HTTP routes (POST /api/v1/ws/tickets), which the
// real access guard does after the merge.
// ============================================================================================
import { Global, Injectable, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Authenticator, Revocation } from '../auth/authenticator.js';
import { ROLES, Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';

function devTokens(): Map<string, Principal> {
  const spec = process.env.BERTH_DEV_TOKENS ?? '';
  if (spec && process.env.NODE_ENV === 'production') throw new Error('BERTH_DEV_TOKENS is a development aid and is refused in production');
  const tokens = new Map<string, Principal>();
  for (const entry of spec.split(',').filter(Boolean)) {
    const [role, token] = entry.split(':');
    if (!ROLES.includes(role as Role) || !token) throw new Error(`BERTH_DEV_TOKENS: bad entry '${role}:...'`);
    tokens.set(token, { kind: 'apiKey', userId: `dev-${role}`, username: `dev-${role}`, role: role as Role, apiKeyId: `dev-${role}` });
  }
  return tokens;
}

@Injectable()
class DevAuthenticator extends Authenticator {
  private readonly tokens = devTokens();
  private readonly listeners = new Set<(revocation: Revocation) => void>();

  authenticate(credential: string): Promise<Principal | null> {
    return Promise.resolve(this.tokens.get(credential) ?? null);
  }

  onRevoked(listener: (revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

@Global()
@Module({ providers: [{ provide: Authenticator, useClass: DevAuthenticator }], exports: [Authenticator] })
export class DevAuthenticatorModule implements NestModule {
  constructor(private readonly authenticator: Authenticator) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(async (request: Request, _response: Response, next: NextFunction) => {
        const bearer = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
        if (bearer) request.principal = (await this.authenticator.authenticate(bearer[1])) ?? undefined;
        next();
      })
      .forRoutes('*path');
  }
}
