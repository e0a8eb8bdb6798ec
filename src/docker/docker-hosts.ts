import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../common/metrics.js';
import { ProblemException } from '../common/problem.js';
import { EngineClient } from './engine-client.js';

export const LOCAL_HOST_ID = 'local';

/** The Docker hosts Berth manages, each with its engine client. Today: `local`, from DOCKER_HOST. */
@Injectable()
export class DockerHosts {
  private readonly clients = new Map<string, EngineClient>();

  constructor(config: AppConfig, metrics: Metrics) {
    const local = new EngineClient({ id: LOCAL_HOST_ID, name: LOCAL_HOST_ID, url: config.dockerHost }, metrics, config.engineTimeoutMs);
    this.clients.set(local.host.id, local);
  }

  list(): EngineClient[] {
    return [...this.clients.values()];
  }

  /** The engine client of a host; 404 HOST_NOT_FOUND for an id Berth does not know. */
  get(hostId: string): EngineClient {
    const client = this.clients.get(hostId);
    if (!client) throw new ProblemException(404, 'HOST_NOT_FOUND', `No host '${hostId}'.`);
    return client;
  }
}
