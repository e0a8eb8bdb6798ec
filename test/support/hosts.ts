import { readFileSync } from 'node:fs';
import type { BerthProcess } from './berth.js';
import { tlsTestEngine } from './engine.js';
import { api } from './http.js';
import { until } from './until.js';

/** A host record's `tls` (PEM text) from a DOCKER_CERT_PATH directory (ca.pem, cert.pem, key.pem). */
export function tlsOf(dir: string): { ca: string; cert: string; key: string } {
  return {
    ca: readFileSync(`${dir}/ca.pem`, 'utf8'),
    cert: readFileSync(`${dir}/cert.pem`, 'utf8'),
    key: readFileSync(`${dir}/key.pem`, 'utf8'),
  };
}

/**
 * Adds the TLS test engine (the second engine, a Swarm manager) to `berth` as host `id`, as an admin,
 * and waits until Berth sees it up: its routes are then `/api/v1/hosts/<id>/...`.
 */
export async function addTlsTestEngine(
  berth: BerthProcess,
  id: string,
  extra: { name?: string; labels?: Record<string, string> } = {},
): Promise<void> {
  const engine = tlsTestEngine();
  const created = await api(berth.url, '/api/v1/hosts', {
    method: 'POST',
    token: berth.token,
    body: { id, url: engine.dockerHost, tls: tlsOf(engine.certPaths.client), ...extra },
  });
  if (created.status !== 201) throw new Error(`adding the TLS test engine as host ${id} failed: ${created.status} ${created.text}`);
  await until(
    async () => (await api(berth.url, `/api/v1/hosts/${id}`, { token: berth.token })).body?.status?.state === 'up',
    `host ${id} to be up`,
    { timeoutMs: 30_000 },
  );
}
