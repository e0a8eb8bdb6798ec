import { Injectable } from '@nestjs/common';
import { type Page, pageOf } from '../common/pagination.js';
import { isProblem } from '../common/problem.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { NodeDto, NodeListQueryDto, NodeUpdateDto } from './dto/node.dto.js';
import type { SwarmDto } from './dto/swarm.dto.js';
import type { TaskDto, TaskListQueryDto } from './dto/task.dto.js';
import { patchedNodeSpec, taskFilters, toNode, toSwarm, toTask } from './swarm-views.js';

/** Nodes by hostname then id; tasks by service, slot (or node for global services), newest first within. */
const NODE_ORDER = { key: (n: NodeDto) => [n.hostname, n.id], parts: 2 };
const TASK_ORDER = {
  key: (t: TaskDto) => [t.serviceId ?? '', String(t.slot ?? 0).padStart(6, '0'), t.nodeId ?? '', t.createdAt ?? '', t.id],
  parts: 5,
};

/** A host's swarm as its engine sees it: membership, nodes, tasks. */
@Injectable()
export class SwarmService {
  constructor(private readonly hosts: DockerHosts) {}

  /** Answers on every host, in a swarm or not (`state: inactive`). */
  async status(hostId: string): Promise<SwarmDto> {
    return toSwarm(await this.hosts.get(hostId).swarmStatus());
  }

  async listNodes(hostId: string, query: NodeListQueryDto): Promise<Page<NodeDto>> {
    const nodes = await this.hosts.get(hostId).listNodes();
    return pageOf(nodes.map(toNode), query, NODE_ORDER);
  }

  async inspectNode(hostId: string, ref: string): Promise<NodeDto> {
    return toNode(await this.hosts.get(hostId).inspectNode(ref));
  }

  /**
   * `docker node update`: the spec is read and written back whole at the version read; a node changed in between
   * (the engine's "update out of sequence") is read again once, then it is the caller's 409.
   */
  async updateNode(hostId: string, ref: string, update: NodeUpdateDto): Promise<NodeDto> {
    const engine = this.hosts.get(hostId);
    for (let attempt = 1; ; attempt++) {
      const node = await engine.inspectNode(ref);
      try {
        await engine.updateNode(node.ID, node.Version.Index, patchedNodeSpec(node.Spec, update));
        return toNode(await engine.inspectNode(node.ID));
      } catch (error) {
        if (attempt >= 2 || !isProblem(error, 'SWARM_UPDATE_OUT_OF_SEQUENCE')) throw error;
      }
    }
  }

  async listTasks(hostId: string, query: TaskListQueryDto): Promise<Page<TaskDto>> {
    const tasks = await this.hosts.get(hostId).listTasks(taskFilters(query));
    return pageOf(tasks.map(toTask), query, TASK_ORDER);
  }
}
