import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogger } from './logging.js';

/** A logger configured as createLogger's, writing its lines into `lines`. */
function capturing(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.query.ticket', 'res.headers["set-cookie"]'];
  return pino({ level: 'info', base: { service: 'berth' }, redact: { paths: REDACT, censor: '[redacted]' } }, sink);
}

describe('requestLogger', () => {
  const lines: Array<Record<string, unknown>> = [];
  let base = '';
  let server: ReturnType<typeof createServer>;

  beforeAll(async () => {
    const middleware = requestLogger(capturing(lines));
    server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
        res.end('{}');
      }),
    );
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  // The lines pino-http wrote with Berth's options (checked side by side when it was replaced), in its key order.
  it.each([
    ['a 200, its ticket kept out', '/api/v1/things?ticket=secret&x=1', 'abc-123', 30, 200, 'request completed'],
    ['a 404 at warn', '/missing?status=404', 'r.2:x', 40, 404, 'request completed'],
    ['a 500 at error, with an err', '/boom?status=500', 'r-500', 50, 500, 'request errored'],
    ['an insane request id replaced', '/healthz', 'bad id\twith tab', 30, 200, 'request completed'],
  ])('%s: one line with the fields pino-http wrote', async (_case, path, givenId, level, statusCode, msg) => {
    const before = lines.length;
    const response = await fetch(base + path, { headers: { 'x-request-id': givenId } });
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 'finish' and then 'close' both end the request: one line, not two.
    expect(lines.length).toBe(before + 1);
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(givenId.includes('\t') ? /^[0-9a-f-]{36}$/ : new RegExp(`^${givenId.replace('.', '\\.')}$`));
    const line = lines.at(-1)!;
    const failed = statusCode >= 500;
    expect(Object.keys(line)).toEqual(['level', 'time', 'service', 'req', 'res', ...(failed ? ['err'] : []), 'responseTime', 'msg']);
    expect(line).toEqual({
      level,
      time: expect.any(Number),
      service: 'berth',
      req: { id, method: 'GET', path: path.split('?')[0], remoteAddress: '127.0.0.1' },
      res: { statusCode },
      ...(failed && { err: { type: 'Error', message: 'failed with status code 500', stack: expect.any(String) } }),
      responseTime: expect.any(Number),
      msg,
    });
    expect(JSON.stringify(line)).not.toContain('secret');
  });
});
