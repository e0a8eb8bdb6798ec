import { Inject, type Type } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { attachChannel } from './attach-sessions.js';
import type { AnyChannel, ChannelFeed } from './channel.js';
import { ChannelOpener } from './channel-opener.js';
import { execChannel } from './exec-sessions.js';
import { jobsChannel } from './job-feed.js';
import { eventsChannel, statsChannel } from './live-feeds.js';
import { logsChannel, serviceLogsChannel } from './log-streams.js';
import { takeUpgradeContext } from './upgrade.js';

/** Every channel Berth serves; openapi/asyncapi.yaml documents each (a test checks). */
export const CHANNELS: readonly AnyChannel[] = [
  logsChannel,
  serviceLogsChannel,
  execChannel,
  attachChannel,
  eventsChannel,
  statsChannel,
  jobsChannel,
];

/** The channel paths by name. */
export const STREAM_CHANNELS: Readonly<Record<string, string>> = Object.fromEntries(
  CHANNELS.map((channel) => [channel.name, channel.path]),
);

/** Clients send little or nothing (exec and attach stdin, resizes): a large frame is an abuse. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * The gateway of one channel (Nest serves one path per gateway class). It is thin: everything
 * that can refuse runs before the handshake (ws `verifyClient`, see `ChannelOpener`), the
 * connection handler only hands the socket to the channel's feed.
 */
export function channelGateway(channel: AnyChannel): Type<unknown> {
  const { subprotocol } = channel;
  @WebSocketGateway({
    path: channel.path,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    // Clients that speak the channel's framing offer it as a subprotocol; plain clients offer none.
    ...(subprotocol && { handleProtocols: (protocols: Set<string>) => (protocols.has(subprotocol) ? subprotocol : false) }),
  })
  class ChannelGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
    constructor(
      @Inject(ChannelOpener) private readonly opener: ChannelOpener,
      @Inject(channel.feed) private readonly feed: ChannelFeed<unknown>,
    ) {}

    afterInit(server: WebSocketServer): void {
      server.options.verifyClient = this.opener.verifier(channel, this.feed);
    }

    handleConnection(socket: WebSocket, request: IncomingMessage): void {
      const context = takeUpgradeContext(request, socket);
      if (context) this.feed.attach(socket, context);
    }
  }
  Object.defineProperty(ChannelGateway, 'name', { value: `${channel.name[0].toUpperCase()}${channel.name.slice(1)}Gateway` });
  return ChannelGateway;
}

export const STREAM_GATEWAYS = CHANNELS.map(channelGateway);
