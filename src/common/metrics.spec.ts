import { describe, expect, it } from 'vitest';
import { withVisibleHosts } from './metrics.js';

const TEXT = [
  '# HELP berth_engine_call_duration_seconds Docker engine call durations by host, operation and outcome',
  'berth_engine_call_duration_seconds_bucket{le="0.001",host="local",operation="ping",outcome="ok"} 1',
  'berth_engine_call_duration_seconds_count{host="prod-db",operation="ping",outcome="error"} 2',
  'berth_engine_call_duration_seconds_sum{operation="ping",host="prod-db",outcome="error"} 0.5',
  'berth_http_requests_total{method="GET",route="/api/v1/hosts/:host/containers",status="200"} 3',
  'berth_process_cpu_seconds_total 1.2',
].join('\n');

describe('withVisibleHosts', () => {
  it.each<[string, (id: string) => boolean, string[]]>([
    ['every host visible', () => true, TEXT.split('\n')],
    [
      'prod-db hidden: its samples go, wherever its label stands',
      (id) => id !== 'prod-db',
      TEXT.split('\n').filter((l) => !l.includes('prod-db')),
    ],
    ['no host visible: samples without a host label stay', () => false, TEXT.split('\n').filter((l) => !l.includes('host="'))],
  ])('%s', (_what, visible, lines) => {
    expect(withVisibleHosts(TEXT, visible).split('\n')).toEqual(lines);
  });
});
