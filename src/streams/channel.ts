import type { Type } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import type { Engine } from '../docker/engine.js';
import type { EngineStreamTarget } from '../docker/engine-types.js';
import type { Channel } from './stream-metrics.js';

/**
 * What a channel streams from, resolved before the upgrade: nothing, a host's engine, a
 * container on it (404 unknown host or container; 409 when it must run and does not), or a
 * Swarm service on it (404 unknown service).
 */
export type TargetKind = 'none' | 'host' | 'container' | 'running container' | 'service';

/** The query fields each target kind is resolved from. */
export type TargetQuery<K extends TargetKind> = K extends 'none'
  ? object
  : K extends 'host'
    ? { host: string }
    : K extends 'service'
      ? { host: string; service: string }
      : { host: string; container: string };

type Resolved<K extends TargetKind> = K extends 'none'
  ? unknown
  : K extends 'host'
    ? { engine: Engine }
    : { engine: Engine; target: EngineStreamTarget };

/** What a channel worked out before the upgrade and hands its feed with the socket. */
export type ChannelContext<Q, K extends TargetKind> = { principal: Principal; query: Q; remoteAddress?: string } & Resolved<K>;

/** The service behind a channel: what it refuses before the upgrade, and what it does with the socket after. */
export interface ChannelFeed<C> {
  /** Checks beyond role, query and target that need the target (exec: the container policy). */
  check?(context: C): Promise<void>;
  attach(socket: WebSocket, context: C): void;
}

/**
 * One WebSocket channel. Before the upgrade, in this order: credentials and `role`, the
 * `query` DTO (`repeated` names the fields that may repeat), `validate` on the query, the
 * `target`, then the feed's `check`; any refusal is an HTTP problem answer. After it, the
 * socket goes to `feed.attach`. `stream.gateways.ts` turns each declaration into a gateway.
 */
export interface ChannelDeclaration<K extends TargetKind, Q extends TargetQuery<K>, F extends ChannelFeed<ChannelContext<Q, K>>> {
  name: Channel;
  path: `/api/v1/ws/${string}`;
  query: new () => Q;
  repeated?: Array<keyof Q & string>;
  role: Role;
  target: K;
  /** A rule across query fields that the DTO cannot state (a 400 before anything is resolved). */
  validate?(query: Q): void;
  feed: Type<F>;
  /** The subprotocol the channel speaks when a client offers it (Kubernetes exec framing). */
  subprotocol?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of channels mixes their query and feed types
export type AnyChannel = ChannelDeclaration<TargetKind, any, any>;

/** Declares a channel; the identity, for the types to be inferred from the declaration. */
export function declareChannel<K extends TargetKind, Q extends TargetQuery<K>, F extends ChannelFeed<ChannelContext<Q, K>>>(
  declaration: ChannelDeclaration<K, Q, F>,
): ChannelDeclaration<K, Q, F> {
  return declaration;
}
