import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { UsersService, toUserDto } from '../users/users.service.js';
import { LoginResponseDto, MeDto } from './dto/auth.dto.js';
import { AccessTokens } from './tokens.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
  ) {}

  /** An access token for a right username and password; one answer for every wrong case, so nothing leaks. */
  async login(username: string, password: string): Promise<{ principal: Principal; response: LoginResponseDto }> {
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      throw new ProblemException(401, 'UNAUTHENTICATED', 'Wrong username or password.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="berth"' },
      });
    }
    return {
      principal: { kind: 'user', userId: user.id, username: user.username, role: user.role },
      response: {
        accessToken: await this.tokens.issue(user.id, user.tokenVersion),
        tokenType: 'Bearer',
        expiresIn: this.tokens.ttlSeconds,
        user: toUserDto(user),
      },
    };
  }

  async me(principal: Principal): Promise<MeDto> {
    return {
      user: await this.users.get(principal.userId),
      kind: principal.kind,
      role: principal.role,
      ...(principal.apiKeyId && { apiKeyId: principal.apiKeyId }),
    };
  }
}
