import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { readOrCreateSecret } from '../database/data-dir.js';

export const JWT_SECRET_FILE = 'jwt-secret';
export const JWT_ISSUER = 'berth';

/** What an access token says: who, which password generation and which login it was issued for. */
export interface AccessClaims {
  sub: string;
  ver: number;
  /** The login (refresh token family): absent in a token issued before logins had ids. */
  sid?: string;
  /** Expiry, seconds since the epoch (absent only in a token issued without one). */
  exp?: number;
}

/** The signing secret: BERTH_JWT_SECRET, else one generated once and kept, so a restart keeps sessions. */
export function jwtSecret(config: AppConfig): string {
  return config.jwtSecret ?? readOrCreateSecret(config.dataDir, JWT_SECRET_FILE, () => randomBytes(48).toString('base64url'));
}

/** Access tokens: short-lived HS256 JWTs. The role is not in them; it is read fresh on every request. */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.jwtTtlSeconds;
  }

  issue(userId: string, tokenVersion: number, sessionId: string): Promise<string> {
    return this.jwt.signAsync({ ver: tokenVersion, sid: sessionId }, { subject: userId });
  }

  /** The claims of a valid, unexpired token; null for anything else. */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const claims = await this.jwt.verifyAsync<Partial<AccessClaims>>(token);
      if (typeof claims.sub !== 'string' || typeof claims.ver !== 'number') return null;
      if (claims.sid !== undefined && typeof claims.sid !== 'string') return null;
      return {
        sub: claims.sub,
        ver: claims.ver,
        ...(claims.sid !== undefined && { sid: claims.sid }),
        ...(typeof claims.exp === 'number' && { exp: claims.exp }),
      };
    } catch {
      return null;
    }
  }
}
