import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reusedAnswer, sendReusedAnswersOnce } from './json-once.js';

const PAGE = { items: [{ id: 'a', name: 'ünïcode', labels: { 'x.y': 'z' } }], nextCursor: null, total: 1 };

/** One app with Express's own `res.json`, one with reused answers sent once: they must answer alike. */
function appWith(reused: boolean): Express {
  const app = express();
  if (reused) sendReusedAnswersOnce({ getHttpAdapter: () => ({ getInstance: () => app }) } as unknown as NestExpressApplication);
  const shared = reused ? reusedAnswer(structuredClone(PAGE)) : structuredClone(PAGE);
  app.get('/page', (_req, res) => res.json(shared));
  app.get('/typed', (_req, res) => res.type('application/problem+json').json(shared));
  app.get('/plain', (_req, res) => res.json({ fresh: true }));
  return app;
}

describe('sendReusedAnswersOnce', () => {
  const bases: string[] = [];
  const servers: Array<{ close(): void }> = [];
  beforeAll(async () => {
    for (const reused of [false, true]) {
      const server = appWith(reused).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      servers.push(server);
      bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  afterAll(() => servers.forEach((server) => server.close()));

  const answer = async (base: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, { headers });
    const kept = ['content-type', 'content-length', 'etag'].map((name) => [name, response.headers.get(name)]);
    return { status: response.status, headers: Object.fromEntries(kept) as Record<string, string | null>, body: await response.text() };
  };

  it.each(['/page', '/typed', '/plain'])('%s: the same status, type, length, ETag and body as Express, sent twice', async (path) => {
    const [express, once] = bases;
    const expected = await answer(express, path);
    expect(await answer(once, path)).toEqual(expected);
    expect(await answer(once, path)).toEqual(expected);
  });

  it('answers a conditional request with its ETag as Express does', async () => {
    const [express, once] = bases;
    const { headers } = await answer(once, '/page');
    const conditional = { 'if-none-match': headers.etag! };
    expect(await answer(once, '/page', conditional)).toEqual(await answer(express, '/page', conditional));
  });
});
