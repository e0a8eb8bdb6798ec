import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp, recordHttpMetrics, serveDocs } from './app.setup.js';
import type { Logger as Pino } from 'pino';
import { allowBrowserOrigins } from './common/browser-origins.js';
import { serveDirectly } from './common/direct-route.js';
import { ExpressServerAdapter } from './common/express-server.js';
import { ContainersController } from './containers/containers.controller.js';
import { createLogger, PinoLoggerService, requestLogger } from './common/logging.js';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';
import { DatabaseTooNewError } from './database/database.js';
import { createWsAdapter } from './streams/ws-adapter.js';
import { checkAdminSettings, InitialAdmin } from './users/initial-admin.js';

/** Berth, configured from the environment, listening; exits with one clear line when it cannot start. */
export async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    checkAdminSettings(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One clear line naming the variable, then stop: a half-configured Berth is worse than none.
    console.error(`berth: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  keepServing(logger);
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.withConfig(config), new ExpressServerAdapter(), {
      logger: new PinoLoggerService(logger),
      bodyParser: true,
      abortOnError: false,
    });
  } catch (error) {
    if (!(error instanceof DatabaseTooNewError)) throw error;
    console.error(`berth: ${error.message}`);
    process.exit(1);
  }
  app.get(InitialAdmin).begin();
  app.use(requestLogger(logger));
  allowBrowserOrigins(app, config.corsOrigins);
  recordHttpMetrics(app);
  configureApp(app);
  // The lone client's `docker ps` (issue 14): answered in front of Express's router, by the same guards, pipes and filters.
  serveDirectly(app, { controller: ContainersController, method: 'listContainers', early: true });
  app.useWebSocketAdapter(createWsAdapter(app));
  serveDocs(app);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number };
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  logger.info(
    { url: base, docs: `${base}/docs`, dockerHost: config.dockerHost, dataDir: config.dataDir },
    `Berth listening on ${base} (docs: ${base}/docs)`,
  );
}

/**
 * The last resort: an error event or rejection that nothing handled (a dependency's stray
 * request, a socket error without a listener) is logged, and Berth keeps serving everyone
 * else instead of dying with it. Every one logged here is a bug to handle where it arises.
 */
function keepServing(logger: Pino): void {
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; still serving'));
}
