import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { ChannelContext, ChannelDeclaration, ChannelFeed, TargetKind, TargetQuery } from './channel.js';
import { StreamAccess } from './stream-access.js';
import { StreamMetrics } from './stream-metrics.js';
import { resolveServiceTarget, resolveStreamTarget } from './stream-target.js';
import { parseStreamQuery, verifyUpgrade } from './upgrade.js';

/** Runs a channel's declaration before the upgrade: who, what query, which target, the feed's own check. */
@Injectable()
export class ChannelOpener {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly access: StreamAccess,
    private readonly metrics: StreamMetrics,
    private readonly config: AppConfig,
  ) {}

  /** ws's `verifyClient` for this channel: the context it prepares waits for the connection handler. */
  verifier<K extends TargetKind, Q extends TargetQuery<K>, F extends ChannelFeed<ChannelContext<Q, K>>>(
    channel: ChannelDeclaration<K, Q, F>,
    feed: F,
  ): VerifyClientCallbackAsync {
    return verifyUpgrade(channel.name, this.metrics, (request, url) => this.prepare(channel, feed, request, url), this.config.corsOrigins);
  }

  async prepare<K extends TargetKind, Q extends TargetQuery<K>, F extends ChannelFeed<ChannelContext<Q, K>>>(
    channel: ChannelDeclaration<K, Q, F>,
    feed: F,
    request: IncomingMessage,
    url: URL,
  ): Promise<ChannelContext<Q, K>> {
    const principal = await this.access.authorize(request, url, channel.role);
    const query = await parseStreamQuery(channel.query, url, channel.repeated);
    channel.validate?.(query);
    const context = {
      principal,
      query,
      remoteAddress: request.socket.remoteAddress,
      ...(await this.resolve(channel.target, query)),
    } as ChannelContext<Q, K>;
    await feed.check?.(context);
    return context;
  }

  private async resolve(kind: TargetKind, query: object): Promise<object> {
    if (kind === 'none') return {};
    const { host } = query as TargetQuery<'host'>;
    if (kind === 'host') return { engine: this.hosts.get(host) };
    if (kind === 'service') return resolveServiceTarget(this.hosts, query as TargetQuery<'service'>);
    return resolveStreamTarget(this.hosts, query as TargetQuery<'container'>, kind === 'running container');
  }
}
