import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import expressLib, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import swaggerUi from 'swagger-ui-express';
import { rejectDeepJson } from './common/json-depth.js';
import { sendReusedAnswersOnce } from './common/json-once.js';
import { Metrics } from './common/metrics.js';
import { createValidationPipe } from './common/validation.js';

/** The committed spec; the same relative path from src/ (tests) and dist/ (built). */
export const OPENAPI_PATH = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));
export const PACKAGE_PATH = fileURLToPath(new URL('../package.json', import.meta.url));
/** The committed AsyncAPI document of the stream channels. */
export const ASYNCAPI_PATH = fileURLToPath(new URL('../openapi/asyncapi.yaml', import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(readFileSync(PACKAGE_PATH, 'utf8')) as { version: string }).version;
}

/** The create routes of swarm secrets and configs (their bodies carry the value). */
const SWARM_VALUE_ROUTE = /^\/api\/v1\/hosts\/[^/]+\/(?:secrets|configs)\/?$/;

/** What every Berth app gets, whether it listens (main) or only describes itself (openapi). */
export function configureApp(app: INestApplication): void {
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const express = app as NestExpressApplication;
  // Swarm secrets and configs are created from a value of up to 500 KB / 1000 KB (swarmkit's limits): their create
  // routes take a larger body than the default 100 KB; every other route keeps it.
  const swarmValueJson = expressLib.json({ limit: '2mb', verify: rejectDeepJson });
  express.use((req: Request, res: Response, next: NextFunction) =>
    req.method === 'POST' && SWARM_VALUE_ROUTE.test(req.path) ? swarmValueJson(req, res, next) : next(),
  );
  // In place of Nest's default JSON parser (same options): deep nesting is refused before it is parsed.
  // Nest's types reserve `verify` for `rawBody: true` (off here), which would replace this hook.
  express.useBodyParser('json', { verify: rejectDeepJson } as NestExpressBodyParserOptionsFor<'json'>);
  express.disable('x-powered-by');
  express.set('query parser', 'extended');
  sendReusedAnswersOnce(express);
}

/** Request counts and durations by route pattern, not raw path, so ids do not explode the labels. */
export function recordHttpMetrics(app: INestApplication): void {
  const metrics = app.get(Metrics);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      stop(labels);
      metrics.httpRequests.inc(labels);
    });
    next();
  });
}

/**
 * `/openapi.json` and Swagger UI at `/docs`, `/asyncapi.yaml` and its page at `/docs/streams`, all
 * from the committed files: what users read is what is checked. Swagger UI keeps what was
 * entered in Authorize across reloads (in the browser's local storage).
 */
export function serveDocs(app: INestApplication): void {
  app.use('/openapi.json', (_req: Request, res: Response) => res.type('application/json').sendFile(OPENAPI_PATH));
  app.use('/asyncapi.yaml', (_req: Request, res: Response) => res.type('application/yaml').sendFile(ASYNCAPI_PATH));
  serveStreamsPage(app);
  // Swagger UI's page embeds the whole spec (800 KB parsed, 2 MB of script): built on the first visit, not at every start.
  let page: RequestHandler | undefined;
  const preparePage: RequestHandler = (_req, _res, next) => {
    page ??= swaggerUi.setup(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as swaggerUi.JsonObject, {
      customSiteTitle: 'Berth API',
      swaggerOptions: { persistAuthorization: true },
    });
    next();
  };
  app.use('/docs', preparePage, swaggerUi.serve, (req: Request, res: Response, next: NextFunction) => page!(req, res, next));
}

const require = createRequire(import.meta.url);
/** The AsyncAPI React component's standalone bundle and styles, sent from disk when asked (3 MB: not kept in memory). */
const ASYNCAPI_VIEWER = {
  '/docs/streams.js': require.resolve('@asyncapi/react-component/browser/standalone/index.js'),
  '/docs/streams.css': require.resolve('@asyncapi/react-component/styles/default.min.css'),
};

/** Relative links, so that the page also works behind a proxy that serves Berth under a prefix. */
const STREAMS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Berth streams</title>
<link rel="stylesheet" href="streams.css">
</head>
<body>
<div id="asyncapi"></div>
<script src="streams.js"></script>
<script>
AsyncApiStandalone.render(
  { schema: { url: '../asyncapi.yaml', options: { method: 'GET' } }, config: { show: { sidebar: true }, sidebar: { showOperations: 'byDefault' } } },
  document.getElementById('asyncapi'),
);
</script>
</body>
</html>
`;

/** The WebSocket channels as a page (`/docs/streams`), rendered in the browser from `/asyncapi.yaml`. */
function serveStreamsPage(app: INestApplication): void {
  for (const [path, file] of Object.entries(ASYNCAPI_VIEWER)) app.use(path, (_req: Request, res: Response) => res.sendFile(file));
  app.use('/docs/streams', (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/') return next();
    res.type('html').send(STREAMS_PAGE);
  });
}
