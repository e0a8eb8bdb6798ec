import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config.js';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { UsersModule } from '../users/users.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { RateLimitBuckets } from './rate-limit-buckets.js';
import { RefreshTokens } from './refresh-tokens.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { Authenticator } from './authenticator.js';
import { CredentialAuthenticator } from './credential-authenticator.js';
import { HostAccess } from './host-access.js';
import { AccessTokens, JWT_ISSUER, jwtSecret } from './tokens.js';

/** Credentials in, principals out: login, access and refresh tokens, API keys, rate limits; revocations passed on to streams. */
@Module({
  imports: [
    UsersModule,
    RevocationsModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // A KeyObject: given a string, jsonwebtoken first tries (and fails) to parse a public key on every verify.
        secret: createSecretKey(Buffer.from(jwtSecret(config), 'utf8')),
        signOptions: { algorithm: 'HS256', issuer: JWT_ISSUER, expiresIn: config.jwtTtlSeconds },
        verifyOptions: { algorithms: ['HS256'], issuer: JWT_ISSUER },
      }),
    }),
  ],
  controllers: [AuthController, ApiKeysController],
  providers: [
    AuthService,
    AccessTokens,
    ApiKeysRepository,
    ApiKeysService,
    RefreshTokens,
    RefreshTokensRepository,
    { provide: RateLimitBuckets, useFactory: () => new RateLimitBuckets() },
    { provide: Authenticator, useClass: CredentialAuthenticator },
    HostAccess,
  ],
  exports: [Authenticator, RateLimitBuckets, HostAccess],
})
export class AuthModule {}
