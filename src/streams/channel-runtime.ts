import { Injectable } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import type { Principal } from '../common/principal.js';
import type { Engine } from '../docker/engine.js';
import type { EngineStreamTarget } from '../docker/engine-types.js';
import type { FanoutLimits } from './fanout.js';
import { StreamAudit } from './stream-audit.js';
import { Channel, StreamMetrics } from './stream-metrics.js';
import { StreamSessions } from './stream-sessions.js';

/** What a read-only stream's log line says it reads. */
export interface StreamSource {
  principal: Principal;
  engine?: Engine;
  target?: EngineStreamTarget;
}

/** What every feed uses once its socket is upgraded: admission, audit, metrics and buffer limits. */
@Injectable()
export class ChannelRuntime {
  constructor(
    readonly config: AppConfig,
    readonly sessions: StreamSessions,
    readonly metrics: StreamMetrics,
    readonly audit: StreamAudit,
  ) {}

  get limits(): FanoutLimits {
    return { bufferBytes: this.config.streamBufferBytes, stallTimeoutMs: this.config.streamStallTimeoutMs };
  }

  /** Admits a read-only stream (false: refused and closed) and logs who opened it on what. */
  admit(socket: WebSocket, channel: Channel, context: StreamSource, teardown: () => void): boolean {
    if (!this.sessions.admit(socket, context.principal, channel, teardown, context.engine?.host.id)) return false;
    const { engine, target } = context;
    this.audit.opened(channel, context.principal, {
      ...(engine && { host: engine.host.id }),
      ...(target && { container: { id: target.id, name: target.name } }),
    });
    return true;
  }

  /** Counts an engine stream behind the channel; the returned function uncounts it (once). */
  engineStreamOpened(channel: Channel): () => void {
    this.metrics.engineStreams.inc({ channel });
    let open = true;
    return () => {
      if (open) this.metrics.engineStreams.dec({ channel });
      open = false;
    };
  }
}
