import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { Revocations } from '../revocations/revocations.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';

export const REFRESH_TOKEN_PREFIX = 'berth_rt_';

/** Who a token was issued to: their id and the token version (password generation) it was issued for. */
export interface TokenOwner {
  id: string;
  tokenVersion: number;
}

export interface Rotated {
  userId: string;
  refreshToken: string;
}

type Rotation = { rotated: Rotated } | { refused: 'REFRESH_TOKEN_INVALID' | 'REFRESH_TOKEN_REUSED' };

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Refresh tokens: opaque, single use, stored hashed. Each refresh spends the token presented and
 * issues the next one of its family (all the tokens rotated from one login); presenting a spent
 * one again means two parties hold the family, so the whole family is revoked (OAuth 2.0
 * Security BCP, refresh token rotation). Users' revocations (password, role, disable) end theirs.
 */
@Injectable()
export class RefreshTokens implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RefreshTokens');
  private unsubscribe?: () => void;

  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly database: Database,
    private readonly config: AppConfig,
    private readonly revocations: Revocations,
  ) {}

  get ttlSeconds(): number {
    return this.config.refreshTtlSeconds;
  }

  onModuleInit(): void {
    this.unsubscribe = this.revocations.subscribe((revocation) => {
      // A key's revocation ends that key only; anything naming a user ends their sessions.
      if (!revocation.userId || revocation.apiKeyId) return;
      this.tokens
        .revokeUser(revocation.userId, this.isoNow())
        .catch((error: unknown) => this.logger.error({ err: error }, 'revoking refresh tokens failed'));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The first token of a new family (a login). Expired tokens are swept here, where new ones come in. */
  async issue(owner: TokenOwner): Promise<string> {
    await this.tokens.deleteExpired(this.isoNow());
    const { token, row } = this.next(owner, randomUUID());
    await this.tokens.insert(row);
    return token;
  }

  /**
   * Spends `token` and answers the next one of its family, in one transaction whose conditional
   * UPDATE lets only one of two concurrent rotations win. 401 REFRESH_TOKEN_REUSED (family revoked)
   * for a spent token, 401 REFRESH_TOKEN_INVALID for an unknown, expired, revoked or stale one.
   */
  async rotate(token: string): Promise<Rotated> {
    const at = this.isoNow();
    const rotation = await this.database.transaction(async (trx): Promise<Rotation> => {
      const row = await this.tokens.findByHash(hashRefreshToken(token), trx);
      if (!row) return { refused: 'REFRESH_TOKEN_INVALID' };
      if (row.spentAt) {
        await this.tokens.revokeFamily(row.familyId, at, trx);
        return { refused: 'REFRESH_TOKEN_REUSED' };
      }
      if (row.revokedAt || row.expiresAt <= at) return { refused: 'REFRESH_TOKEN_INVALID' };
      if (row.disabledAt || row.tokenVersion !== row.userTokenVersion) {
        // The user was disabled or changed their password since: this family is over.
        await this.tokens.revokeFamily(row.familyId, at, trx);
        return { refused: 'REFRESH_TOKEN_INVALID' };
      }
      if (!(await this.tokens.spend(row.id, at, trx))) return { refused: 'REFRESH_TOKEN_REUSED' };
      const next = this.next({ id: row.userId, tokenVersion: row.tokenVersion }, row.familyId);
      await this.tokens.insert(next.row, trx);
      return { rotated: { userId: row.userId, refreshToken: next.token } };
    });
    if ('refused' in rotation) throw refused(rotation.refused);
    return rotation.rotated;
  }

  /** Logout: revokes the family of `token`, whatever its state; an unknown token changes nothing (RFC 7009: no answer tells). */
  async revokeFamilyOf(token: string): Promise<void> {
    const row = await this.tokens.findByHash(hashRefreshToken(token));
    if (row) await this.tokens.revokeFamily(row.familyId, this.isoNow());
  }

  private next(owner: TokenOwner, familyId: string) {
    const token = `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const row = {
      id: randomUUID(),
      familyId,
      userId: owner.id,
      tokenHash: hashRefreshToken(token),
      tokenVersion: owner.tokenVersion,
      expiresAt: new Date(now + this.ttlSeconds * 1000).toISOString(),
      createdAt: new Date(now).toISOString(),
      spentAt: null,
      revokedAt: null,
    };
    return { token, row };
  }

  private isoNow(): string {
    return new Date().toISOString();
  }
}

function refused(code: 'REFRESH_TOKEN_INVALID' | 'REFRESH_TOKEN_REUSED'): ProblemException {
  const detail =
    code === 'REFRESH_TOKEN_REUSED'
      ? 'This refresh token was already used: every token of its login is revoked. Log in again.'
      : 'The refresh token is unknown, expired or revoked. Log in again.';
  return new ProblemException(401, code, detail, { headers: { 'WWW-Authenticate': 'Bearer realm="berth", error="invalid_token"' } });
}
