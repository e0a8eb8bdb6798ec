import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { UsersService, toUserDto } from '../users/users.service.js';
import { LoginResponseDto, MeDto, TokenPairDto } from './dto/auth.dto.js';
import { Issued, RefreshTokens, TokenOwner } from './refresh-tokens.js';
import { AccessTokens } from './tokens.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  /** An access token and the first refresh token of a new family for a right username and password; one answer for every wrong case, so nothing leaks. */
  async login(username: string, password: string): Promise<{ principal: Principal; response: LoginResponseDto }> {
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      throw new ProblemException(401, 'UNAUTHENTICATED', 'Wrong username or password.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="berth"' },
      });
    }
    return {
      principal: { kind: 'user', userId: user.id, username: user.username, role: user.role },
      response: { ...(await this.pair(user, await this.refreshTokens.issue(user))), user: toUserDto(user) },
    };
  }

  /** Spends a refresh token for a new pair (rotation); see RefreshTokens.rotate for the refusals. */
  async refresh(refreshToken: string): Promise<{ principal: Principal; response: TokenPairDto }> {
    const { userId, ...next } = await this.refreshTokens.rotate(refreshToken);
    // Rotation checked the user was enabled with this token version, in its transaction.
    const user = await this.users.findActive(userId);
    if (!user) throw new ProblemException(401, 'REFRESH_TOKEN_INVALID', 'The refresh token is unknown, expired or revoked. Log in again.');
    return {
      principal: { kind: 'user', userId: user.id, username: user.username, role: user.role },
      response: await this.pair(user, next),
    };
  }

  /** Ends the login a refresh token belongs to: every refresh token of its family, and the access tokens issued to it. */
  /** Whether a login ended: the answer does not tell (RFC 7009), the audit does. */
  logout(refreshToken: string): Promise<boolean> {
    return this.refreshTokens.revokeFamilyOf(refreshToken);
  }

  async me(principal: Principal): Promise<MeDto> {
    return {
      user: await this.users.get(principal.userId),
      kind: principal.kind,
      role: principal.role,
      ...(principal.apiKeyId && { apiKeyId: principal.apiKeyId }),
    };
  }

  private async pair(user: TokenOwner, { refreshToken, sessionId }: Issued): Promise<TokenPairDto> {
    return {
      accessToken: await this.tokens.issue(user.id, user.tokenVersion, sessionId),
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: this.refreshTokens.ttlSeconds,
    };
  }
}
