import { describe, expect, it } from 'vitest';
import { parseResize } from './exec-sessions.js';
import { normalizeStats } from './normalize.js';
import { closeReason } from './close-codes.js';

describe('parseResize', () => {
  it('reads Kubernetes {Width, Height} and refuses nonsense', () => {
    expect(parseResize(Buffer.from('{"Width":80,"Height":24}'))).toEqual({ width: 80, height: 24 });
    expect(parseResize(Buffer.from('{"width":80,"height":24}'))).toEqual({ width: 80, height: 24 });
    for (const bad of ['{"Width":0,"Height":24}', '{"Width":80.5,"Height":24}', '{"Width":"80","Height":24}', 'nope', '[]', '{"Width":1e9,"Height":1}']) {
      expect(parseResize(Buffer.from(bad))).toBeNull();
    }
  });
});

describe('normalizeStats', () => {
  it('computes CPU percent and memory without inactive page cache, as docker stats does', () => {
    const sample = normalizeStats({
      read: '2026-11-25T10:00:01Z',
      pids_stats: { current: 3 },
      cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 1000, limit: 4000, stats: { inactive_file: 200 } },
      networks: { eth0: { rx_bytes: 5, tx_bytes: 6 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'read', value: 10 }, { op: 'Write', value: 20 }] },
    });
    expect(sample).toEqual({
      ts: '2026-11-25T10:00:01Z',
      cpuPercent: 40,
      memory: { usageBytes: 800, limitBytes: 4000, percent: 20 },
      network: { rxBytes: 6, txBytes: 7 },
      blockIo: { readBytes: 10, writeBytes: 20 },
      pids: 3,
    });
  });
});

describe('closeReason', () => {
  it('cuts a reason to the 123 bytes a close frame allows', () => {
    expect(closeReason('short')).toBe('short');
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBeLessThanOrEqual(123);
  });
});
