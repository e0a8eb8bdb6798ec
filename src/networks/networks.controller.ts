import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import {
  NetworkConnectDto,
  NetworkCreateDto,
  NetworkCreatedDto,
  NetworkDisconnectDto,
  NetworkDto,
  NetworkPageDto,
  NetworkListQueryDto,
} from './dto/network.dto.js';
import { NetworkRefPipe } from './network-ref.pipe.js';
import { NetworksService } from './networks.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** `docker network`: list, create, inspect, remove, connect, disconnect. Networks are addressed by name, id or id prefix. */
@ApiTags('networks')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/networks')
export class NetworksController {
  constructor(private readonly networks: NetworksService) {}

  /** `docker network ls` with its filters; each network with the containers connected to it. By name, paged by `limit` and `cursor`. */
  @Get()
  @RequireRole('viewer')
  listNetworks(@Param('host') host: string, @Query() query: NetworkListQueryDto): Promise<NetworkPageDto> {
    return this.networks.list(host, query);
  }

  /**
   * `docker network create`. Non-admins: `bridge` or `overlay`, no `options`, no `ipam` subnets (403 POLICY_DENIED names
   * the rule); a name in use is 409 NAME_CONFLICT.
   */
  @Post()
  @Idempotent()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: NetworkCreatedDto })
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['NAME_CONFLICT'] })
  @ApiBody({
    type: NetworkCreateDto,
    examples: {
      bridge: { summary: 'docker network create --label team=web backend', value: { name: 'backend', labels: { team: 'web' } } },
      internal: { summary: 'docker network create --internal db-only', value: { name: 'db-only', internal: true } },
      subnet: {
        summary: 'docker network create --subnet 10.20.0.0/24 --gateway 10.20.0.1 lab (admins only)',
        value: { name: 'lab', ipam: { subnets: [{ subnet: '10.20.0.0/24', gateway: '10.20.0.1' }] } },
      },
    },
  })
  createNetwork(
    @Param('host') host: string,
    @Body() body: NetworkCreateDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<NetworkCreatedDto> {
    return this.networks.create(host, body, principal);
  }

  /** `docker network inspect`, with the connected containers and their addresses. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['NETWORK_NOT_FOUND'], 400: ['AMBIGUOUS_REFERENCE'] })
  inspectNetwork(@Param('host') host: string, @Param('id', NetworkRefPipe) id: string): Promise<NetworkDto> {
    return this.networks.inspect(host, id);
  }

  /** `docker network rm`. Connected containers: 409 NETWORK_IN_USE naming them; bridge, host, none: 403 PREDEFINED_NETWORK. */
  @Delete(':id')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({
    404: ['NETWORK_NOT_FOUND'],
    409: ['NETWORK_IN_USE'],
    403: ['PREDEFINED_NETWORK', 'POLICY_DENIED'],
    400: ['AMBIGUOUS_REFERENCE'],
  })
  removeNetwork(@Param('host') host: string, @Param('id', NetworkRefPipe) id: string): Promise<void> {
    return this.networks.remove(host, id);
  }

  /**
   * `docker network connect [--alias]`. Connecting to a host-driver network, or connecting a policy-exception container,
   * is for admins (403 POLICY_DENIED); an already connected container is 409 CONFLICT (disconnect first to change aliases).
   */
  @Post(':id/connect')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({
    404: ['NETWORK_NOT_FOUND', 'CONTAINER_NOT_FOUND'],
    409: ['CONFLICT'],
    403: ['POLICY_DENIED'],
    400: ['AMBIGUOUS_REFERENCE'],
  })
  @ApiBody({
    type: NetworkConnectDto,
    examples: {
      alias: { summary: 'docker network connect --alias db backend postgres', value: { container: 'postgres', aliases: ['db'] } },
    },
  })
  connectNetwork(
    @Param('host') host: string,
    @Param('id', NetworkRefPipe) id: string,
    @Body() body: NetworkConnectDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.networks.connect(host, id, body, principal);
  }

  /** `docker network disconnect [-f]`; a container not connected is success. A policy-exception container: admins only. */
  @Post(':id/disconnect')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 404: ['NETWORK_NOT_FOUND', 'CONTAINER_NOT_FOUND'], 403: ['POLICY_DENIED'], 400: ['AMBIGUOUS_REFERENCE'] })
  disconnectNetwork(
    @Param('host') host: string,
    @Param('id', NetworkRefPipe) id: string,
    @Body() body: NetworkDisconnectDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.networks.disconnect(host, id, body, principal);
  }
}
