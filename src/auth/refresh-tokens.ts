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

/** A refresh token, and the login (its family) that access tokens issued beside it name: a logout ends them too. */
export interface Issued {
  refreshToken: string;
  sessionId: string;
}

export interface Rotated extends Issued {
  userId: string;
}

type Rotation =
  | { rotated: Rotated }
  | { refused: 'REFRESH_TOKEN_INVALID' }
  /** The family of a token presented twice: revoked, its access tokens to end. */
  | { refused: 'REFRESH_TOKEN_REUSED'; revokedSession?: string };

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Refresh tokens: opaque, single use, stored hashed. Each refresh spends the token presented and
 * issues the next one of its family (all the tokens rotated from one login); presenting a spent
 * one again means two parties hold the family, so the whole family is revoked (OAuth 2.0
 * Security BCP, refresh token rotation). Users' revocations (password, disable, delete) end theirs. A family is a
 * login: the access tokens issued beside its tokens name it, and end when it is revoked (logout, reuse).
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
      // A key's revocation ends that key only, a role change no login (the role is read on every request); a user
      // disabled, deleted or with a new password loses every login.
      if (!revocation.userId || revocation.apiKeyId || revocation.changed) return;
      this.tokens
        .revokeUser(revocation.userId, this.isoNow())
        .catch((error: unknown) => this.logger.error({ err: error }, 'revoking refresh tokens failed'));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The first token of a new family (a login). Expired tokens are swept here, where new ones come in. */
  async issue(owner: TokenOwner): Promise<Issued> {
    await this.tokens.deleteExpired(this.isoNow());
    const { token, row } = this.next(owner, randomUUID());
    await this.tokens.insert(row);
    return { refreshToken: token, sessionId: row.familyId };
  }

  /** Whether a login still stands: some token of its family not revoked (logout and reuse revoke them all). */
  isLive(sessionId: string): Promise<boolean> {
    return this.tokens.familyHasUnrevoked(sessionId);
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
        const revoked = await this.tokens.revokeFamily(row.familyId, at, trx);
        return { refused: 'REFRESH_TOKEN_REUSED', ...(revoked > 0 && { revokedSession: row.familyId }) };
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
      return { rotated: { userId: row.userId, refreshToken: next.token, sessionId: row.familyId } };
    });
    if ('refused' in rotation) {
      // Two parties hold the login: the access tokens it issued end too, cached ones and open streams included.
      if (rotation.refused === 'REFRESH_TOKEN_REUSED' && rotation.revokedSession)
        this.revocations.emit({ sessionId: rotation.revokedSession });
      throw refused(rotation.refused);
    }
    return rotation.rotated;
  }

  /**
   * Logout: revokes the family of `token`, whatever its state, and ends the access tokens issued to that login; an
   * unknown token changes nothing (RFC 7009: no answer tells). Whether a login ended (for the audit only).
   */
  async revokeFamilyOf(token: string): Promise<boolean> {
    const row = await this.tokens.findByHash(hashRefreshToken(token));
    // Announced once: logging out with an old token of a login already ended changes nothing.
    const ended = row !== undefined && (await this.tokens.revokeFamily(row.familyId, this.isoNow())) > 0;
    if (ended) this.revocations.emit({ sessionId: row.familyId });
    return ended;
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
