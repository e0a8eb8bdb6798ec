import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';
import { HostRolesDto } from './dto/host-roles.dto.js';
import { UserCreateDto, UserDto, UserUpdateDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

/** A user id is a UUID; anything else names no user. */
const UserId = () =>
  Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ProblemException(404, 'USER_NOT_FOUND', 'No such user.') }));

// Changes to users are credential management: a login session only, never an API key (a
// leaked admin key must not mint admins or reset passwords). Reading stays open to admin keys.
@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Every user. */
  @Get()
  @RequireRole('admin')
  listUsers(): Promise<UserDto[]> {
    return this.users.list();
  }

  /** Creates a user with a password and a role. */
  @Post()
  @RequireRole('admin', { userSession: true })
  @ApiBody({
    type: UserCreateDto,
    examples: {
      operator: { summary: 'An operator', value: { username: 'jane', password: 'correct-horse-battery-staple', role: 'operator' } },
    },
  })
  @ApiProblems({ 409: ['USERNAME_TAKEN'] })
  createUser(@Body() dto: UserCreateDto): Promise<UserDto> {
    return this.users.create(dto);
  }

  /** One user. */
  @Get(':id')
  @RequireRole('admin')
  @ApiProblems({ 404: ['USER_NOT_FOUND'] })
  getUser(@UserId() id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  /**
   * Changes a user's role, disables or enables them, or sets a new password. The last enabled admin stays one (409).
   * A disable, or a new password, ends the user's logins at once (a disable also stops their API keys until re-enabled);
   * a new role applies from their next request, and closes their open streams and cancels their queued jobs.
   */
  @Patch(':id')
  @RequireRole('admin', { userSession: true })
  @ApiBody({
    type: UserUpdateDto,
    examples: {
      role: { summary: 'Make them a viewer', value: { role: 'viewer' } },
      disable: { summary: 'Disable them: their sessions and keys stop at once', value: { disabled: true } },
      password: { summary: 'Set a new password', value: { password: 'tr0ub4dor-and-three-more' } },
    },
  })
  @ApiProblems({ 404: ['USER_NOT_FOUND'], 409: ['LAST_ADMIN'] })
  updateUser(@UserId() id: string, @Body() dto: UserUpdateDto): Promise<UserDto> {
    return this.users.update(id, dto);
  }

  /** The user's per-host roles: grants by host id glob or host label; the global role applies where none matches. */
  @Get(':id/host-roles')
  @RequireRole('admin')
  @ApiProblems({ 404: ['USER_NOT_FOUND'] })
  getUserHostRoles(@UserId() id: string): Promise<HostRolesDto> {
    return this.users.hostRoles(id);
  }

  /**
   * Replaces the user's per-host roles. Where grants match a host, the highest of them is the role there
   * (`none` hides the host); elsewhere the global role. Effective on the user's next request: their open
   * streams, unused tickets and queued jobs end; their logins stay. Routes that are not under a host (users, audit, registries, keys) keep the global role.
   */
  @Put(':id/host-roles')
  @RequireRole('admin', { userSession: true })
  @ApiBody({
    type: HostRolesDto,
    examples: {
      staging: {
        summary: 'Operator on staging hosts, viewer on production, no access to the vault host',
        value: {
          grants: [
            { host: 'staging-*', role: 'operator' },
            { label: 'env=prod', role: 'viewer' },
            { host: 'vault', role: 'none' },
          ],
        },
      },
      reset: { summary: 'Back to the global role everywhere', value: { grants: [] } },
    },
  })
  @ApiProblems({ 404: ['USER_NOT_FOUND'] })
  async setUserHostRoles(@UserId() id: string, @Body() dto: HostRolesDto, @Req() request: Request): Promise<HostRolesDto> {
    const answer = await this.users.setHostRoles(id, dto);
    // The audit keeps what the user may do where from now on.
    auditContext(request).details.grants = answer.grants;
    return answer;
  }

  /** Deletes a user and their API keys. The last enabled admin cannot be deleted (409). */
  @Delete(':id')
  @RequireRole('admin', { userSession: true })
  @HttpCode(204)
  @ApiProblems({ 404: ['USER_NOT_FOUND'], 409: ['LAST_ADMIN'] })
  async deleteUser(@UserId() id: string): Promise<void> {
    await this.users.remove(id);
  }
}
