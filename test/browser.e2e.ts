import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, docker, newRunId, removeTestResources, testLabels, uniqueName } from './support/engine.js';
import { api } from './support/http.js';
import { openWs, refusalOf, wsUrl } from './support/ws.js';

/** Debian's chromium, installed by scripts/test-engine.sh; root needs --no-sandbox. */
const CHROMIUM = process.env.BERTH_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** The name of the OpenAPI create example (WEB_CONTAINER_EXAMPLE), a name the engine holds once. */
const EXAMPLE_NAME = 'web';

const runId = newRunId();
/** A second allowed origin, for the checks made from outside a browser. */
const DASHBOARD = 'https://dash.example.com';

let berth: BerthProcess;
/** Pages of two other origins (ports): one allowed in BERTH_CORS_ORIGINS, one not. */
let allowed: { server: Server; origin: string };
let other: { server: Server; origin: string };

beforeAll(async () => {
  [allowed, other] = await Promise.all([servePage(), servePage()]);
  berth = await startBerth({ env: { BERTH_CORS_ORIGINS: `${allowed.origin},${DASHBOARD}` } });
});
afterAll(async () => {
  await berth?.stop();
  allowed?.server.close();
  other?.server.close();
});

/** A page "of another site": one tiny HTTP server listening on a port of its own, so on an origin of its own. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>dashboard</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What a dashboard page does with Berth: fetch with an API key, then follow a container's logs with a ticket. */
interface PageOutcome {
  fetch: { status: number; total?: number; exposedRequestId: string | null } | { error: string };
  ws: { opened: boolean; frames: string[]; close?: { code: number; reason: string } };
}

/** Runs, inside `page`, a WebSocket to `url` until `frames` arrived or it closed; never a fixed wait. */
function pageWebSocket(page: Page, url: string, frames: number): Promise<PageOutcome['ws']> {
  return page.evaluate(
    ({ url, frames }) =>
      new Promise<PageOutcome['ws']>((resolve) => {
        const seen: string[] = [];
        let opened = false;
        const ws = new WebSocket(url);
        ws.onopen = () => (opened = true);
        ws.onmessage = (event) => {
          seen.push(String(event.data));
          if (seen.length >= frames) {
            ws.close(1000);
            resolve({ opened, frames: seen });
          }
        };
        ws.onclose = (event) => resolve({ opened, frames: seen, close: { code: event.code, reason: event.reason } });
      }),
    { url, frames },
  );
}

describe('a browser: Swagger UI, the streams page, and a dashboard on another origin', () => {
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let containerId: string;

  const removeExample = async () => {
    const found = await docker.listContainers({ all: true, filters: { name: [`^/${EXAMPLE_NAME}$`] } });
    await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    const key = await api(berth.url, '/api/v1/auth/api-keys', { method: 'POST', token: berth.token, body: { name: 'browser test' } });
    expect(key.status).toBe(201);
    apiKey = key.body.key;
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      name: uniqueName('browser'),
      Cmd: ['sh', '-c', 'echo hello-from-the-dashboard; exec sleep 600'],
      Labels: testLabels(runId),
    });
    await container.start();
    containerId = container.id;
    // A create that a previous run left behind would answer 409 NAME_CONFLICT.
    await removeExample();
  });

  afterAll(async () => {
    await browser?.close();
    await removeExample();
    await removeTestResources(runId);
  });

  /** Try it out + Execute on one operation of Swagger UI; answers the live response's status and the request body it sent. */
  async function tryItOut(operation: string): Promise<{ status: string; body?: string }> {
    const block = page.locator(`#operations-containers-${operation}`);
    if (!(await block.locator('button.try-out__btn').isVisible())) await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    const host = block.locator('tr[data-param-name="host"] input');
    if ((await host.inputValue()) === '') await host.fill('local');
    const textarea = block.locator('textarea.body-param__text');
    const body = (await textarea.count()) > 0 ? await textarea.inputValue() : undefined;
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    return { status: (await status.textContent())!.trim(), body };
  }

  it(
    'Swagger UI: authorizes with an API key, lists (200), creates from the example (201), keeps the authorization across a reload',
    { timeout: 120_000 },
    async () => {
      await page.goto(`${berth.url}/docs`);
      await page.locator('.swagger-ui .info').waitFor();
      // The front page links the streams page.
      expect(await page.locator('.swagger-ui .info a[href="streams"]').count()).toBe(1);

      await page.locator('.auth-wrapper button.authorize').click();
      await page.locator('.modal-ux input[aria-label="auth-bearer-value"]').fill(apiKey);
      await page.locator('.modal-ux button.authorize[type="submit"]').click();
      await page.locator('.modal-ux button.btn-done').click();
      await page.locator('.auth-wrapper button.authorize.locked').waitFor();

      expect((await tryItOut('listContainers')).status).toBe('200');
      // The create's body is the example as Swagger prefills it: nothing typed.
      const created = await tryItOut('createContainer');
      expect(created.status).toBe('201');
      expect(JSON.parse(created.body!)).toMatchObject({ name: EXAMPLE_NAME, image: 'busybox:latest' });
      expect((await docker.getContainer(EXAMPLE_NAME).inspect()).State.Running).toBe(true);

      await page.reload();
      await page.locator('.auth-wrapper button.authorize.locked').waitFor();
      expect((await tryItOut('listContainers')).status).toBe('200');
    },
  );

  it('renders the AsyncAPI document of the streams at /docs/streams', async () => {
    const yaml = await api(berth.url, '/asyncapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(yaml.text).toMatch(/^asyncapi: 3\./);

    await page.goto(`${berth.url}/docs/streams`);
    // Rendered in the page from /asyncapi.yaml: wait until the channels are there.
    const expected = ['Berth streams', '/api/v1/ws/logs', '/api/v1/ws/exec', '/api/v1/ws/events', '/api/v1/ws/jobs', '4401'];
    await page.waitForFunction(`${JSON.stringify(expected)}.every((text) => document.body.innerText.includes(text))`);
  });

  it('a page of an allowed origin calls the API with fetch and follows logs over a WebSocket', async () => {
    await page.goto(allowed.origin);
    const outcome = await page.evaluate(
      async ({ base, key }) => {
        const response = await fetch(`${base}/api/v1/hosts/local/containers?all=true`, { headers: { authorization: `Bearer ${key}` } });
        const list = (await response.json()) as unknown[] | { items: unknown[] };
        const ticket = await fetch(`${base}/api/v1/ws/tickets`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
        return {
          status: response.status,
          isList: Array.isArray(list) || Array.isArray(list.items),
          requestId: response.headers.get('x-request-id'),
          ticket: ((await ticket.json()) as { ticket: string }).ticket,
        };
      },
      { base: berth.url, key: apiKey },
    );
    expect(outcome).toMatchObject({ status: 200, isList: true });
    expect(outcome.requestId).toBeTruthy(); // an exposed header

    const ws = await pageWebSocket(
      page,
      wsUrl(berth.url, '/api/v1/ws/logs', { host: 'local', container: containerId, ticket: outcome.ticket }),
      1,
    );
    expect(ws.opened).toBe(true);
    expect(ws.frames.join('\n')).toContain('hello-from-the-dashboard');
  });

  it('a page of an allowed origin reads why a stream was refused: close 4000 + status, CODE: detail', async () => {
    await page.goto(allowed.origin);
    const badTicket = await pageWebSocket(page, wsUrl(berth.url, '/api/v1/ws/logs', { container: containerId, ticket: 'not-a-ticket' }), 1);
    expect(badTicket.frames).toEqual([]);
    expect(badTicket.close).toEqual({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED: /) });

    const ticket = (await api(berth.url, '/api/v1/ws/tickets', { method: 'POST', token: apiKey })).body.ticket;
    const missing = await pageWebSocket(
      page,
      wsUrl(berth.url, '/api/v1/ws/logs', { container: 'berth-test-no-such-container', ticket }),
      1,
    );
    expect(missing.close).toEqual({ code: 4404, reason: expect.stringMatching(/^CONTAINER_NOT_FOUND: /) });
  });

  it('a page of another origin gets nothing: fetch fails (no CORS), the WebSocket is refused before its ticket is spent', async () => {
    await page.goto(other.origin);
    const fetched = await page.evaluate(
      async ({ base, key }) => {
        try {
          const response = await fetch(`${base}/api/v1/hosts/local/containers`, { headers: { authorization: `Bearer ${key}` } });
          return { status: response.status };
        } catch (error) {
          return { error: String(error) };
        }
      },
      { base: berth.url, key: apiKey },
    );
    expect(fetched).toEqual({ error: expect.stringMatching(/TypeError/) });

    const ticket = (await api(berth.url, '/api/v1/ws/tickets', { method: 'POST', token: apiKey })).body.ticket;
    const url = wsUrl(berth.url, '/api/v1/ws/logs', { host: 'local', container: containerId, ticket });
    const refused = await pageWebSocket(page, url, 1);
    expect(refused).toEqual({ opened: false, frames: [], close: { code: 1006, reason: '' } });

    // The refusal came before the ticket was redeemed: the allowed page can still use it.
    await page.goto(allowed.origin);
    const later = await pageWebSocket(page, url, 1);
    expect(later.frames.join('\n')).toContain('hello-from-the-dashboard');
  });
});

describe('CORS and the WebSocket Origin check, seen from outside a browser', () => {
  const preflight = (origin: string) =>
    fetch(`${berth.url}/api/v1/hosts/local/containers`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
  const accessControl = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

  it('answers the preflight of an allowed origin 204 with the methods, request headers and exposed headers the API uses', async () => {
    const response = await preflight(DASHBOARD);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type.*Idempotency-Key/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await fetch(`${berth.url}/api/v1/hosts/local/containers`, {
      headers: { origin: DASHBOARD, authorization: `Bearer ${berth.token}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(get.headers.get('access-control-expose-headers')!.split(',')).toEqual(
      expect.arrayContaining([
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'X-Request-Id',
        'ETag',
        'Location',
        'Content-Disposition',
      ]),
    );
    expect(get.headers.get('vary')).toMatch(/Origin/);
  });

  it.each([
    ['another origin', 'https://evil.example'],
    ['an allowed host on another scheme', 'http://dash.example.com'],
    ['a suffix trick', 'https://dash.example.com.evil.example'],
    ['an opaque origin', 'null'],
  ])('gives %s no Access-Control-* header at all', async (_case, origin) => {
    const response = await preflight(origin);
    expect(response.status).not.toBe(204);
    expect(accessControl(response.headers)).toEqual([]);
    const get = await fetch(`${berth.url}/api/v1/hosts/local/containers`, { headers: { origin, authorization: `Bearer ${berth.token}` } });
    expect(accessControl(get.headers)).toEqual([]);
  });

  it('refuses an upgrade from an origin not allowed with 403 ORIGIN_NOT_ALLOWED; bots without Origin and allowed pages open', async () => {
    const url = wsUrl(berth.url, '/api/v1/ws/events', { host: 'local' });
    const refusal = await refusalOf(url, { token: berth.token, headers: { origin: 'https://evil.example' } });
    expect(refusal).toMatchObject({
      status: 403,
      contentType: expect.stringMatching(/^application\/problem\+json/),
      body: { code: 'ORIGIN_NOT_ALLOWED' },
    });
    for (const headers of [{}, { origin: DASHBOARD }] as Array<Record<string, string>>) {
      const socket = await openWs(url, { token: berth.token, headers });
      socket.ws.close();
      await socket.closed;
    }
  });

  it('keeps HTTP refusals for clients that are not allowed pages, and tells allowed pages by the close code', async () => {
    const url = wsUrl(berth.url, '/api/v1/ws/events', { host: 'nowhere' });
    expect(await refusalOf(url, { token: berth.token })).toMatchObject({ status: 404, body: { code: 'HOST_NOT_FOUND' } });
    const socket = await openWs(url, { token: berth.token, headers: { origin: DASHBOARD } });
    expect(await socket.closed).toEqual({ code: 4404, reason: expect.stringMatching(/^HOST_NOT_FOUND: /) });
    expect(socket.frames).toEqual([]);
    const metrics = await api(berth.url, '/metrics', { token: berth.token });
    expect(metrics.text).toMatch(/berth_ws_refused_upgrades_total\{channel="events",status="404"\} 2/);
  });
});
