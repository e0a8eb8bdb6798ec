import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { HostCreateDto, HostDto, HostTestDto, HostTestResultDto, HostUpdateDto } from './dto/host.dto.js';
import { HOST_ID_PATTERN } from './host-connection.js';
import { HostsService, hostNotFound } from './hosts.service.js';

/** A host id from the path; anything that cannot be one names no host. */
const HostId = () => ({
  transform(value: string): string {
    if (!HOST_ID_PATTERN.test(value)) throw hostNotFound('(not a host id)');
    return value;
  },
});
const ApiHostId = () => ApiParam({ name: 'id', description: 'The host id (`local` is the built-in one).', example: 'staging-1' });

const PEM = { ca: '-----BEGIN CERTIFICATE-----\n…', cert: '-----BEGIN CERTIFICATE-----\n…' };
const EXAMPLE: HostDto = {
  id: 'staging-1',
  name: 'Staging 1',
  builtIn: false,
  url: 'tcp://10.0.0.12:2376',
  plainHttp: false,
  tls: { ...PEM, hasKey: true },
  labels: { env: 'staging' },
  status: {
    state: 'up',
    since: '2026-11-26T14:30:00.000Z',
    checkedAt: '2026-11-26T14:35:05.000Z',
    engineVersion: '20.10.24',
    apiVersion: '1.41',
  },
  createdAt: '2026-11-26T14:30:00.000Z',
  updatedAt: '2026-11-26T14:30:00.000Z',
};
const LOCAL_EXAMPLE: HostDto = {
  id: 'local',
  name: 'local',
  builtIn: true,
  labels: {},
  status: {
    state: 'up',
    since: '2026-11-26T14:00:00.000Z',
    checkedAt: '2026-11-26T14:35:05.000Z',
    engineVersion: '20.10.24',
    apiVersion: '1.41',
  },
};
const TLS_BODY = {
  ca: '-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIU…\n-----END CERTIFICATE-----\n',
  cert: '-----BEGIN CERTIFICATE-----\nMIIDGzCCAgOgAwIBAgIU…\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG…\n-----END PRIVATE KEY-----\n',
};
const SSH_BODY = {
  privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU…\n-----END OPENSSH PRIVATE KEY-----\n',
  knownHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPmYQ3m0k2n1qCw7Xg0k3l8pQ2u3v4w5x6y7z8A9B0C1',
};
const TEST_EXAMPLES = {
  ok: {
    summary: 'ok',
    value: { ok: true, engineVersion: '20.10.24', apiVersion: '1.41', swarm: { role: 'manager', nodeId: 'x2kq1n3b5m4c6v8z0a9s8d7f' } },
  },
  tls: {
    summary: 'wrong CA',
    value: {
      ok: false,
      reason: 'tls',
      detail: "TLS: the engine's certificate is not signed by the CA in ca.pem (unknown CA) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    },
  },
  unreachable: {
    summary: 'nothing listens there',
    value: { ok: false, reason: 'unreachable', detail: 'the connection was refused (nothing listens on that port) (ECONNREFUSED)' },
  },
};

/** The audit keeps which host changed (id, url), never its keys. */
function auditHost(request: Request, host: { id: string; url?: string }): void {
  Object.assign(auditContext(request).details, { id: host.id, url: host.url });
}

/**
 * The Docker hosts Berth manages: `local` (DOCKER_HOST, built in) and the records admins add, each an
 * engine reached over TLS or ssh, with its live status. A host the caller cannot see is 404.
 */
@ApiTags('hosts')
@Controller('api/v1/hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  /** The hosts the caller can see, each with its live status; how to reach them (url, tls, ssh) only for admins. */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: HostDto, isArray: true, example: [LOCAL_EXAMPLE, EXAMPLE] })
  listHosts(@CurrentPrincipal() principal: Principal): Promise<HostDto[]> {
    return this.hosts.list(principal);
  }

  /** Adds an engine over TLS (`tcp://` + `tls`) or ssh (`ssh://` + `ssh`); its private key is stored encrypted and never returned. */
  @Post()
  @Idempotent()
  @RequireRole('admin')
  @ApiBody({
    type: HostCreateDto,
    examples: {
      tls: {
        summary: 'An engine started with --tlsverify',
        value: { id: 'staging-1', name: 'Staging 1', url: 'tcp://10.0.0.12:2376', tls: TLS_BODY, labels: { env: 'staging' } },
      },
      ssh: { summary: 'An engine reached over ssh', value: { id: 'build-box', url: 'ssh://berth@build.example.com', ssh: SSH_BODY } },
    },
  })
  @ApiCreatedResponse({ type: HostDto, example: EXAMPLE })
  @ApiProblems({ 409: ['HOST_EXISTS'] })
  async createHost(@CurrentPrincipal() principal: Principal, @Body() dto: HostCreateDto, @Req() request: Request): Promise<HostDto> {
    const host = await this.hosts.create(principal, dto);
    auditHost(request, host);
    return host;
  }

  /** Tests a host before it is saved (nothing is stored): reachable, TLS or ssh right, a Docker engine, its versions and swarm role. */
  @Post('test')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiBody({
    type: HostTestDto,
    examples: { tls: { summary: 'An engine started with --tlsverify', value: { url: 'tcp://10.0.0.12:2376', tls: TLS_BODY } } },
  })
  @ApiOkResponse({ type: HostTestResultDto, examples: TEST_EXAMPLES })
  testUnsavedHost(@Body() dto: HostTestDto): Promise<HostTestResultDto> {
    return this.hosts.testUnsaved(dto);
  }

  /** One host, with its live status. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiHostId()
  @ApiOkResponse({ type: HostDto, example: EXAMPLE })
  @ApiProblems({ 404: ['HOST_NOT_FOUND'] })
  getHost(@CurrentPrincipal() principal: Principal, @Param('id', HostId()) id: string): Promise<HostDto> {
    return this.hosts.get(principal, id);
  }

  /**
   * Changes a host. A new `url`, `tls`, `ssh` or `plainHttp` rebuilds its engine at once (what runs through the old
   * one ends); a new name or labels keep it. `tls` and `ssh` are replaced whole; `local` cannot be changed.
   * New labels change the role label grants give there: whoever's role changes has their open streams closed (1008)
   * and their queued jobs canceled, as for a change of their grants.
   */
  @Patch(':id')
  @RequireRole('admin')
  @ApiHostId()
  @ApiBody({
    type: HostUpdateDto,
    examples: {
      rename: { summary: 'A new name and labels', value: { name: 'Staging one', labels: { env: 'staging', team: 'web' } } },
      certificates: { summary: 'New certificates', value: { tls: TLS_BODY } },
    },
  })
  @ApiOkResponse({ type: HostDto, example: { ...EXAMPLE, name: 'Staging one', updatedAt: '2026-11-27T09:00:00.000Z' } })
  @ApiProblems({ 404: ['HOST_NOT_FOUND'], 409: ['HOST_BUILT_IN'], 500: ['HOST_SECRET_UNREADABLE'] })
  async updateHost(
    @CurrentPrincipal() principal: Principal,
    @Param('id', HostId()) id: string,
    @Body() dto: HostUpdateDto,
    @Req() request: Request,
  ): Promise<HostDto> {
    const host = await this.hosts.update(principal, id, dto);
    auditHost(request, host);
    return host;
  }

  /** Removes a host record and its stored keys; Berth stops managing the engine (nothing on it changes). */
  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiHostId()
  @ApiProblems({ 404: ['HOST_NOT_FOUND'], 409: ['HOST_BUILT_IN'] })
  async deleteHost(@CurrentPrincipal() principal: Principal, @Param('id', HostId()) id: string, @Req() request: Request): Promise<void> {
    auditHost(request, await this.hosts.remove(principal, id));
  }

  /** Tests a host Berth manages, with its stored credentials: for an operator on that host (as under `/hosts/{host}/...`). */
  @Post(':id/test')
  @HttpCode(200)
  // Any role to reach the route: the role that counts is the caller's on the host (HostsService.test).
  @RequireRole('viewer')
  @ApiHostId()
  @ApiOkResponse({ type: HostTestResultDto, examples: TEST_EXAMPLES })
  @ApiProblems({ 404: ['HOST_NOT_FOUND'] })
  testHost(@CurrentPrincipal() principal: Principal, @Param('id', HostId()) id: string): Promise<HostTestResultDto> {
    return this.hosts.test(principal, id);
  }
}
