import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { Public, RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, type Principal } from '../common/principal.js';
import { UsersService } from '../users/users.service.js';
import { AuthService } from './auth.service.js';
import { LoginDto, LoginResponseDto, MeDto, PasswordChangeDto, RefreshTokenDto, TokenPairDto } from './dto/auth.dto.js';
import { LimitGuessing, LimitLogins, LimitRefreshes } from './rate-limit.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  /** Exchanges a username and password for a short-lived access token and a refresh token. Failed attempts are limited per username and address, per address, and per username from everywhere (429); a success clears its pair. */
  @Post('login')
  @Public()
  @LimitLogins()
  @HttpCode(200)
  @ApiBody({
    type: LoginDto,
    examples: {
      admin: {
        summary: 'The first admin (BERTH_ADMIN_PASSWORD, or the file initial-admin-password in the data dir)',
        value: { username: 'admin', password: 'correct-horse-battery-staple' },
      },
    },
  })
  @ApiProblems({ 401: ['UNAUTHENTICATED'], 429: ['RATE_LIMITED'] })
  async login(@Body() dto: LoginDto, @Req() request: Request): Promise<LoginResponseDto> {
    // Who tried is noted for the audit by the rate-limit guard (src/auth/rate-limit.ts), refused attempts too.
    const { principal, response } = await this.auth.login(dto.username, dto.password);
    request.principal = principal;
    return response;
  }

  /** Exchanges a refresh token for a new access token and a new refresh token; the one presented is spent. Presenting a spent one again revokes every refresh token of its login and ends the access tokens issued to it (401 REFRESH_TOKEN_REUSED); an unknown, expired or revoked one is 401 REFRESH_TOKEN_INVALID, as is one whose user was disabled or changed their password. Refused tokens are limited per address (429). */
  @Post('refresh')
  @Public()
  @LimitRefreshes()
  @HttpCode(200)
  @ApiProblems({ 401: ['REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED'], 429: ['RATE_LIMITED'] })
  async refresh(@Body() dto: RefreshTokenDto, @Req() request: Request): Promise<TokenPairDto> {
    const { principal, response } = await this.auth.refresh(dto.refreshToken);
    request.principal = principal;
    return response;
  }

  /**
   * Logs out. Revokes the refresh token's login (every refresh token rotated from it) and ends the access tokens issued
   * to it at once, with their WebSocket tickets, open streams and the jobs only they started. Answers 204 whatever the
   * token, so it tells nothing.
   */
  @Post('logout')
  @Public()
  @LimitRefreshes()
  @HttpCode(204)
  @ApiProblems({ 429: ['RATE_LIMITED'] })
  async logout(@Body() dto: RefreshTokenDto, @Req() request: Request): Promise<void> {
    if (!(await this.auth.logout(dto.refreshToken))) auditContext(request).changedNothing = true;
  }

  /** The caller: their user, and the role and credential of this request. */
  @Get('me')
  @RequireRole('viewer')
  getMe(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return this.auth.me(principal);
  }

  /** Changes the caller's own password; every session of the user ends (log in again), API keys stay. */
  @Post('password')
  @RequireRole('viewer', { userSession: true })
  @LimitGuessing()
  @HttpCode(204)
  @ApiProblems({ 403: ['WRONG_PASSWORD'] })
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() dto: PasswordChangeDto): Promise<void> {
    await this.users.changePassword(principal.userId, dto.currentPassword, dto.newPassword);
  }
}
