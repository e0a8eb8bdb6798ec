import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import { HostAccess } from '../auth/host-access.js';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { ChannelContext, ChannelDeclaration, ChannelFeed, TargetKind, TargetQuery } from './channel.js';
import { StreamAccess, requireChannelRole } from './stream-access.js';
import { StreamMetrics } from './stream-metrics.js';
import { resolveServiceTarget, resolveStreamTarget } from './stream-target.js';
import { parseStreamQuery, verifyUpgrade } from './upgrade.js';

/**
 * Runs a channel's declaration before the upgrade: who, what query, which target, the feed's own check.
 * A channel under a host checks the caller's role on that host (HostAccess), as the HTTP guard does:
 * a host they may not see is 404 HOST_NOT_FOUND like an unknown one, a role too low there is 403.
 */
@Injectable()
export class ChannelOpener {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly access: StreamAccess,
    private readonly metrics: StreamMetrics,
    private readonly config: AppConfig,
    private readonly hostAccess: HostAccess,
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
    const authenticated = await this.access.authenticate(request, url);
    if (channel.target === 'none') requireChannelRole(authenticated, channel.role);
    const query = await parseStreamQuery(channel.query, url, channel.repeated);
    channel.validate?.(query);
    let principal = authenticated;
    let resolved: object = {};
    if (channel.target !== 'none') {
      // The host first: one the caller may not see is 404 like an unknown one, then their role there.
      const engine = this.hosts.get((query as TargetQuery<'host'>).host);
      principal = this.hostAccess.onHost(authenticated, engine.host);
      requireChannelRole(principal, channel.role);
      resolved =
        channel.target === 'host'
          ? { engine }
          : channel.target === 'service'
            ? await resolveServiceTarget(engine, query as TargetQuery<'service'>)
            : await resolveStreamTarget(engine, query as TargetQuery<'container'>, channel.target === 'running container');
    }
    const context = { principal, query, remoteAddress: request.socket.remoteAddress, ...resolved } as ChannelContext<Q, K>;
    await feed.check?.(context);
    return context;
  }
}
