import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { ProblemException } from '../common/problem.js';
import { closeReason } from './close-codes.js';
import type { StreamMetrics } from './stream-metrics.js';
import { takeUpgradeContext, verifyUpgrade } from './upgrade.js';

const DASHBOARD = 'https://dash.example.com';
const unauthenticated = new ProblemException(401, 'UNAUTHENTICATED', 'Missing or invalid credentials.');
const noContainer = new ProblemException(404, 'CONTAINER_NOT_FOUND', `No such container: ${'x'.repeat(200)}`);

interface Verdict {
  accepted: boolean;
  status?: number;
  code?: string;
  closed?: { code: number; reason: string };
}

/** Runs one upgrade through verifyUpgrade, then (when accepted) the connection handler's take. */
async function upgrade(
  origins: string[],
  origin: string | undefined,
  outcome: ProblemException | 'ok',
): Promise<Verdict & { prepared: boolean }> {
  const prepare = vi.fn(async () => {
    if (outcome === 'ok') return { principal: 'p' };
    throw outcome;
  });
  const metrics = { refusedUpgrades: { inc: vi.fn() } } as unknown as StreamMetrics;
  const req = { url: '/api/v1/ws/logs?container=web', headers: origin === undefined ? {} : { origin } } as IncomingMessage;
  const verify = verifyUpgrade('logs', metrics, prepare, origins);
  const verdict = await new Promise<Verdict>((resolve) =>
    verify({ req, origin: origin ?? '', secure: false }, (accepted, status) => {
      if (!accepted) return resolve({ accepted, status });
      const socket = { close: vi.fn() };
      const context = takeUpgradeContext(req, socket as unknown as WebSocket);
      const [code, reason] = socket.close.mock.calls[0] ?? [];
      resolve({
        accepted,
        ...(code !== undefined ? { closed: { code, reason } } : { code: (context as { principal: string }).principal }),
      });
    }),
  );
  return { ...verdict, prepared: prepare.mock.calls.length > 0 };
}

describe('verifyUpgrade', () => {
  it.each([
    ['no allowlist, a page', [], DASHBOARD, 'ok', { accepted: true, code: 'p', prepared: true }],
    [
      'no allowlist, a page refused: plain HTTP as before',
      [],
      DASHBOARD,
      unauthenticated,
      { accepted: false, status: 401, prepared: true },
    ],
    ['an allowed page', [DASHBOARD], DASHBOARD, 'ok', { accepted: true, code: 'p', prepared: true }],
    ['a bot (no Origin) with an allowlist', [DASHBOARD], undefined, 'ok', { accepted: true, code: 'p', prepared: true }],
    ['a bot refused: plain HTTP', [DASHBOARD], undefined, unauthenticated, { accepted: false, status: 401, prepared: true }],
    [
      'a page of another origin, before its ticket is spent',
      [DASHBOARD],
      'https://evil.example',
      'ok',
      { accepted: false, status: 403, prepared: false },
    ],
    [
      'an origin that differs in scheme only',
      [DASHBOARD],
      'http://dash.example.com',
      'ok',
      { accepted: false, status: 403, prepared: false },
    ],
    [
      'an allowed page refused: told by the close code',
      [DASHBOARD],
      DASHBOARD,
      unauthenticated,
      { accepted: true, closed: { code: 4401, reason: 'UNAUTHENTICATED: Missing or invalid credentials.' }, prepared: true },
    ],
    [
      'an allowed page refused with a long detail: the reason is cut to 123 bytes',
      [DASHBOARD],
      DASHBOARD,
      noContainer,
      { accepted: true, closed: { code: 4404, reason: closeReason(`CONTAINER_NOT_FOUND: ${noContainer.detail}`) }, prepared: true },
    ],
  ] as const)('%s', async (_case, origins, origin, outcome, expected) => {
    const verdict = await upgrade([...origins], origin, outcome);
    expect(verdict).toEqual(expected);
    if (verdict.closed) expect(Buffer.byteLength(verdict.closed.reason)).toBeLessThanOrEqual(123);
  });

  it('answers a disallowed origin 403 ORIGIN_NOT_ALLOWED as problem+json', async () => {
    const metrics = { refusedUpgrades: { inc: vi.fn() } } as unknown as StreamMetrics;
    const req = { url: '/api/v1/ws/logs', headers: { origin: 'https://evil.example' } } as IncomingMessage;
    const answer = await new Promise<unknown[]>((resolve) =>
      verifyUpgrade('logs', metrics, async () => ({}), [DASHBOARD])({ req, origin: 'https://evil.example', secure: false }, (...args) =>
        resolve(args),
      ),
    );
    expect(answer[0]).toBe(false);
    expect(answer[1]).toBe(403);
    expect(JSON.parse(answer[2] as string)).toMatchObject({ status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    expect(answer[3]).toMatchObject({ 'Content-Type': 'application/problem+json' });
  });
});
