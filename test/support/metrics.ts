import { expect } from 'vitest';
import { api } from './http.js';

/** `berth_http_requests_total` of one route pattern and status, as /metrics shows it to `token` (0 before the first). */
export async function requestsCounted(url: string, token: string, route: string, status: number): Promise<number> {
  const metrics = await api(url, '/metrics', { token });
  expect(metrics.status).toBe(200);
  const line = (metrics.text as string)
    .split('\n')
    .find(
      (text) => text.startsWith('berth_http_requests_total{') && text.includes(`route="${route}"`) && text.includes(`status="${status}"`),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}
