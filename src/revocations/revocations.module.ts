import { Module } from '@nestjs/common';
import { Revocations } from './revocations.js';

/** Users and API keys announce ended access here; auth passes it on to open streams. Its own module so neither owns the other. */
@Module({ providers: [Revocations], exports: [Revocations] })
export class RevocationsModule {}
