import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of this process: one registry, so tests and apps in one process do not collide. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'berth_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'HTTP request durations by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly engineDuration = new Histogram({
    name: 'berth_engine_call_duration_seconds',
    help: 'Docker engine call durations by host, operation and outcome',
    labelNames: ['host', 'operation', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
  }
}

@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}

/** A sample's `host` label in the exposition text (label values escape `"` and `\\`). */
const HOST_LABEL = /[{,]host="((?:[^"\\]|\\.)*)"/;

/** The exposition text without the samples of hosts `visible` refuses: a caller's hidden hosts are not theirs to learn of. */
export function withVisibleHosts(text: string, visible: (hostId: string) => boolean): string {
  return text
    .split('\n')
    .filter((line) => {
      const host = HOST_LABEL.exec(line)?.[1];
      return host === undefined || visible(host);
    })
    .join('\n');
}
