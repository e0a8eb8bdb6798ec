import { Module } from '@nestjs/common';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { InitialAdmin } from './initial-admin.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [RevocationsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, PasswordHasher, InitialAdmin],
  exports: [UsersService],
})
export class UsersModule {}
