import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { NodeDto, NodeListQueryDto, NodePageDto, NodeUpdateDto } from './dto/node.dto.js';
import { SwarmDto } from './dto/swarm.dto.js';
import { TaskListQueryDto, TaskPageDto } from './dto/task.dto.js';
import { SwarmRefPipe } from './swarm-ref.pipe.js';
import { SwarmService } from './swarm.service.js';

/** `docker info`'s Swarm part, `docker node`, `docker service ps`: the swarm a manager host sees. */
@ApiTags('swarm')
@ApiHostRoute()
@Controller('api/v1/hosts/:host')
export class SwarmController {
  constructor(private readonly swarm: SwarmService) {}

  /** Whether the host is in a swarm and a manager of it (`state: inactive` on any other host); never the join tokens. */
  @Get('swarm')
  @RequireRole('viewer')
  @ApiProblems({ 503: ['SWARM_UNAVAILABLE'] })
  swarmStatus(@Param('host') host: string): Promise<SwarmDto> {
    return this.swarm.status(host);
  }

  /** `docker node ls`, by hostname. A host outside a swarm: 409 SWARM_NOT_ACTIVE; a worker: 409 NOT_A_SWARM_MANAGER. */
  @Get('nodes')
  @RequireRole('viewer')
  @ApiProblems({ 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'], 503: ['SWARM_UNAVAILABLE'] })
  listNodes(@Param('host') host: string, @Query() query: NodeListQueryDto): Promise<NodePageDto> {
    return this.swarm.listNodes(host, query);
  }

  /** `docker node inspect` by id, id prefix or hostname. */
  @Get('nodes/:node')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['NODE_NOT_FOUND'], 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'], 400: ['AMBIGUOUS_REFERENCE'] })
  inspectNode(@Param('host') host: string, @Param('node', SwarmRefPipe) node: string): Promise<NodeDto> {
    return this.swarm.inspectNode(host, node);
  }

  /**
   * `docker node update --availability --label-add --label-rm`: `drain` moves the node's tasks away, `active` takes
   * new ones again. Labels are merged (null removes one). Answers the node as it is now.
   */
  @Patch('nodes/:node')
  @RequireRole('operator')
  @ApiProblems({ 404: ['NODE_NOT_FOUND'], 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER', 'SWARM_UPDATE_OUT_OF_SEQUENCE'] })
  @ApiBody({
    type: NodeUpdateDto,
    examples: {
      drain: { summary: 'docker node update --availability drain vm-2', value: { availability: 'drain' } },
      labels: { summary: 'docker node update --label-add zone=a --label-rm old vm-2', value: { labels: { zone: 'a', old: null } } },
    },
  })
  updateNode(@Param('host') host: string, @Param('node', SwarmRefPipe) node: string, @Body() body: NodeUpdateDto): Promise<NodeDto> {
    return this.swarm.updateNode(host, node, body);
  }

  /** `docker service ps` / `docker node ps`: tasks with their state and error, filtered by service, node, desired state. */
  @Get('tasks')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['SERVICE_NOT_FOUND', 'NODE_NOT_FOUND'], 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'] })
  listTasks(@Param('host') host: string, @Query() query: TaskListQueryDto): Promise<TaskPageDto> {
    return this.swarm.listTasks(host, query);
  }
}
