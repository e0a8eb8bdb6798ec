import { Logger, Module } from '@nestjs/common';
import { Metrics } from '../common/metrics.js';
import { AppConfig } from '../config/app-config.js';
import { DockerEngine } from './docker-engine.js';
import { DockerHosts, LOCAL_HOST_ID } from './docker-hosts.js';
import { EngineAccessCheck } from './engine-access-check.js';

/** Each host's Engine is a DockerEngine; specs build DockerHosts from fakes instead. */
function dockerHosts(config: AppConfig, metrics: Metrics): DockerHosts {
  const local = new DockerEngine(
    { id: LOCAL_HOST_ID, name: LOCAL_HOST_ID, url: config.dockerHost, ...(config.dockerTls && { tls: config.dockerTls }) },
    metrics,
    config.engineTimeoutMs,
    // `local` keeps answering from the engine itself: a status that lags must never refuse it.
    { shortCircuit: false },
  );
  warnOfPlainTcp(config);
  return new DockerHosts([local]);
}

/** An engine on plain tcp:// is root for anyone who reaches its port, and Berth cannot tell it is the right one. */
function warnOfPlainTcp(config: AppConfig): void {
  const logger = new Logger('DockerHosts');
  if (config.dockerHost.startsWith('tcp://') && !config.dockerTls) {
    logger.warn(
      `DOCKER_HOST=${config.dockerHost} is plain HTTP: the engine is reachable unauthenticated by anyone who can reach that port, ` +
        'and its answers are not authenticated either; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH for an engine started with --tlsverify',
    );
  } else if (config.dockerTls && !config.dockerTls.verify) {
    logger.warn(
      `DOCKER_TLS without DOCKER_TLS_VERIFY: the engine at ${config.dockerHost} is not checked against a CA (anyone on the path can pose as it)`,
    );
  } else if (config.dockerTls && !config.dockerTls.cert) {
    logger.warn(
      `no client certificate (cert.pem, key.pem) in ${config.dockerTls.certPath}: an engine started with --tlsverify will refuse Berth`,
    );
  }
}

@Module({
  // RegistryAuthProvider comes from the registries module, which holds the credentials.
  providers: [{ provide: DockerHosts, useFactory: dockerHosts, inject: [AppConfig, Metrics] }, EngineAccessCheck],
  exports: [DockerHosts],
})
export class DockerModule {}
