import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../common/metrics.js';

export type Channel = 'logs' | 'service-logs' | 'exec' | 'attach' | 'events' | 'stats' | 'jobs';

/** What the stream channels report to /metrics: open sockets, engine streams behind them, why sockets closed. */
@Injectable()
export class StreamMetrics {
  readonly openSockets: Gauge<'channel'>;
  readonly engineStreams: Gauge<'channel'>;
  readonly closes: Counter<'channel' | 'code'>;
  readonly refusedUpgrades: Counter<'channel' | 'status'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.openSockets = new Gauge({
      name: 'berth_ws_open_sockets',
      help: 'Open WebSocket streams by channel',
      labelNames: ['channel'],
      registers,
    });
    this.engineStreams = new Gauge({
      name: 'berth_ws_engine_streams',
      help: 'Engine streams serving WebSocket channels (shared streams count once)',
      labelNames: ['channel'],
      registers,
    });
    this.closes = new Counter({
      name: 'berth_ws_closes_total',
      help: 'WebSocket streams closed, by channel and close code',
      labelNames: ['channel', 'code'],
      registers,
    });
    this.refusedUpgrades = new Counter({
      name: 'berth_ws_refused_upgrades_total',
      help: 'WebSocket upgrades refused (an HTTP error, or for a page of an allowed origin a close 4000 + status), by channel and status',
      labelNames: ['channel', 'status'],
      registers,
    });
  }
}
