import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { roleAllows } from '../common/access.decorators.js';
import type { GrantedHost } from '../common/host-grants.js';
import { Metrics } from '../common/metrics.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { HostAccess } from '../auth/host-access.js';
import { AppConfig } from '../config/app-config.js';
import type { EngineTls } from '../config/engine-tls.js';
import { DockerEngine } from '../docker/docker-engine.js';
import { DockerHosts, LOCAL_HOST_ID } from '../docker/docker-hosts.js';
import type { Engine, HostDescriptor } from '../docker/engine.js';
import type { EngineProbe } from '../docker/engine-probe.js';
import { SecretBox, SecretUnreadableError } from '../registries/secret-box.js';
import { Revocations } from '../revocations/revocations.js';
import { HostConnectionDto, HostCreateDto, HostDto, HostTestResultDto, HostUpdateDto } from './dto/host.dto.js';
import { HostConnection, RESERVED_HOST_IDS, checkHostConnection, sshUser } from './host-connection.js';
import { HostSecretField, hostSecretContext } from './host-secrets.js';
import { HostRow, HostsRepository } from './hosts.repository.js';

/** A test must not hold the admin's form long: an engine that has not answered by then is unreachable. */
const TEST_TIMEOUT_MS = 5_000;

/**
 * Host records and the engines built from them: every record becomes a DockerEngine in DockerHosts
 * at start and on each create, update and delete, with its live status (HostHealth) running.
 * Private keys are sealed on the way in and opened only to build an engine.
 */
@Injectable()
export class HostsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Hosts');

  constructor(
    private readonly records: HostsRepository,
    private readonly hosts: DockerHosts,
    private readonly access: HostAccess,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    private readonly revocations: Revocations,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const row of await this.records.list()) {
      try {
        this.hosts.add(this.engineFor(row));
      } catch (error) {
        if (!(error instanceof ProblemException)) throw error;
        // One unreadable record must not keep Berth (and every other host) from starting.
        this.logger.error({ msg: 'host record not loaded', host: row.id, detail: error.detail });
      }
    }
    for (const engine of this.hosts.list()) engine.health?.start();
  }

  onApplicationShutdown(): void {
    for (const engine of this.hosts.list()) engine.health?.stop();
  }

  /** The hosts the caller can see, each with its status (waiting for a check in flight, the first one included). */
  async list(principal: Principal): Promise<HostDto[]> {
    const rows = new Map((await this.records.list()).map((row) => [row.id, row]));
    return Promise.all(
      this.access.visible(principal, this.hosts.list()).map((engine) => this.toDto(engine, rows.get(engine.host.id), principal)),
    );
  }

  async get(principal: Principal, id: string): Promise<HostDto> {
    const engine = this.visibleEngine(principal, id);
    return this.toDto(engine, await this.records.findById(id), principal);
  }

  async create(principal: Principal, dto: HostCreateDto): Promise<HostDto> {
    if (RESERVED_HOST_IDS.includes(dto.id)) {
      throw validationFailed([{ field: 'id', message: `'${dto.id}' is reserved (${RESERVED_HOST_IDS.join(', ')})` }]);
    }
    // Before the insert: a 409 HOST_EXISTS would tell a caller of a host hidden from them.
    this.requireAdminOn(principal, { id: dto.id, labels: dto.labels ?? {} }, false);
    const connection = checked(dto);
    const now = new Date().toISOString();
    const row: HostRow = {
      id: dto.id,
      name: dto.name ?? dto.id,
      labels: JSON.stringify(dto.labels ?? {}),
      createdAt: now,
      updatedAt: now,
      ...this.connectionColumns(dto.id, connection),
    };
    if (!(await this.records.insert(row))) throw hostExists(dto.id);
    const engine = this.engineFor(row);
    this.hosts.add(engine);
    engine.health.start();
    return this.toDto(engine, row, principal);
  }

  async update(principal: Principal, id: string, dto: HostUpdateDto): Promise<HostDto> {
    const row = await this.requireRecord(id);
    this.requireAdminOn(principal, { id, labels: parseLabels(row.labels) }, true);
    // As a create: the host must stay one the caller administers, not be moved into other grants.
    if (dto.labels !== undefined) this.requireAdminOn(principal, { id, labels: dto.labels }, false);
    const current = this.connectionOf(row);
    const url = dto.url ?? row.url;
    const scheme = url.split(':')[0];
    // Credentials of the other transport, left from the record, go when the url changes transport; given ones are checked.
    const tls = dto.tls !== undefined ? dto.tls : scheme === 'tcp' ? current.tls : undefined;
    const ssh = dto.ssh !== undefined ? dto.ssh : scheme === 'ssh' ? current.ssh : undefined;
    const plainHttp = dto.plainHttp ?? (scheme === 'tcp' && !tls && current.plainHttp);
    const connection = checked({ url, plainHttp, tls, ssh });
    const after: HostRow = {
      ...row,
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.labels !== undefined && { labels: JSON.stringify(dto.labels) }),
      ...this.connectionColumns(id, connection),
      updatedAt: new Date().toISOString(),
    };
    await this.records.update(id, after);
    const live = this.hosts.list().find((engine) => engine.host.id === id);
    // The labels in force until now (another PATCH may have changed them since `row` was read).
    const before = live?.host.labels ?? parseLabels(row.labels);
    const reconnects = dto.url !== undefined || dto.tls !== undefined || dto.ssh !== undefined || dto.plainHttp !== undefined;
    let engine: Engine;
    if (live && !reconnects) {
      // A new name or labels only: the engine and what runs through it (streams, pulls, execs) stay.
      live.host.name = after.name;
      live.host.labels = parseLabels(after.labels);
      engine = live;
    } else {
      const built = this.engineFor(after);
      this.replaceEngine(id, built);
      built.health.start();
      engine = built;
    }
    // Label grants give another role there now: what holds the old one (open streams, queued jobs) ends.
    const labels = parseLabels(after.labels);
    if (JSON.stringify(before) !== JSON.stringify(labels)) {
      this.revocations.emit({ changed: true, hostLabels: { hostId: id, before, after: labels } });
    }
    return this.toDto(engine, after, principal);
  }

  /** The record deleted (for the audit log), or 404. */
  async remove(principal: Principal, id: string): Promise<{ id: string; url: string }> {
    const row = await this.requireRecord(id);
    this.requireAdminOn(principal, { id, labels: parseLabels(row.labels) }, true);
    if (!(await this.records.delete(id))) throw hostNotFound(id);
    this.replaceEngine(id, undefined);
    return { id: row.id, url: row.url };
  }

  /** Tests an unsaved host: nothing is stored, nothing stays open. */
  async testUnsaved(dto: HostConnectionDto): Promise<HostTestResultDto> {
    const connection = checked(dto);
    const engine = new DockerEngine(this.descriptor('test', 'test', connection, {}), this.metrics, TEST_TIMEOUT_MS);
    try {
      return toTestResult(await engine.probe(TEST_TIMEOUT_MS));
    } finally {
      engine.close();
    }
  }

  /** Tests a host Berth manages, with its stored credentials: an operator's on that host, whatever the caller's global role. */
  async test(principal: Principal, id: string): Promise<HostTestResultDto> {
    const engine = this.visibleEngine(principal, id);
    const role = this.access.requireRoleOn(principal, engine.host);
    if (!roleAllows(role, 'operator')) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `Testing host '${id}' needs the role 'operator' on it; the credential has '${role}' there.`,
      );
    }
    if (engine instanceof DockerEngine) return toTestResult(await engine.probe(TEST_TIMEOUT_MS));
    return engine.ping(TEST_TIMEOUT_MS).then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, reason: 'unreachable' as const, detail: (error as ProblemException).detail }),
    );
  }

  private visibleEngine(principal: Principal, id: string): Engine {
    const engine = this.hosts.get(id);
    if (this.access.roleOn(principal, engine.host) === undefined) throw hostNotFound(id);
    return engine;
  }

  /**
   * A record is changed by an admin on that host (its grants and a key's hosts hold here as under
   * `/hosts/{host}/...`): a host hidden from the caller is 404 when it exists (`exists`), 403 otherwise.
   */
  private requireAdminOn(principal: Principal, host: GrantedHost, exists: boolean): void {
    const role = this.access.roleOn(principal, host);
    if (role === undefined && exists) throw hostNotFound(host.id);
    if (role === undefined || !roleAllows(role, 'admin')) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `Changing host '${host.id}' needs the role 'admin' on it; the credential has '${role ?? 'none'}' there.`,
      );
    }
  }

  private async requireRecord(id: string): Promise<HostRow> {
    if (id === LOCAL_HOST_ID) {
      throw new ProblemException(
        409,
        'HOST_BUILT_IN',
        "'local' is the engine Berth starts with (DOCKER_HOST): change it in Berth's environment.",
      );
    }
    const row = await this.records.findById(id);
    if (!row) throw hostNotFound(id);
    return row;
  }

  /** Swaps the engine of `id` (or drops it): the old one's checks stop and its connections close. */
  private replaceEngine(id: string, engine: DockerEngine | undefined): void {
    const old = this.hosts.list().find((e) => e.host.id === id);
    if (engine) this.hosts.add(engine);
    else this.hosts.remove(id);
    if (old instanceof DockerEngine) old.close();
  }

  private connectionColumns(
    id: string,
    connection: HostConnection,
  ): Pick<HostRow, 'url' | 'plainHttp' | 'tlsCa' | 'tlsCert' | 'tlsKeySealed' | 'sshPrivateKeySealed' | 'sshKnownHostKey'> {
    const { tls, ssh } = connection;
    return {
      url: connection.url,
      plainHttp: connection.plainHttp ? 1 : 0,
      tlsCa: tls?.ca ?? null,
      tlsCert: tls?.cert ?? null,
      tlsKeySealed: tls ? this.secrets.seal(tls.key, hostSecretContext(id, 'tlsKey')) : null,
      sshPrivateKeySealed: ssh ? this.secrets.seal(ssh.privateKey, hostSecretContext(id, 'sshPrivateKey')) : null,
      sshKnownHostKey: ssh?.knownHostKey ?? null,
    };
  }

  /** A record's connection with its keys opened; 500 HOST_SECRET_UNREADABLE when the secret key cannot open them. */
  private connectionOf(row: HostRow): HostConnection {
    return {
      url: row.url,
      plainHttp: row.plainHttp === 1,
      ...(row.tlsCa !== null &&
        row.tlsCert !== null &&
        row.tlsKeySealed !== null && { tls: { ca: row.tlsCa, cert: row.tlsCert, key: this.open(row, row.tlsKeySealed, 'tlsKey') } }),
      ...(row.sshPrivateKeySealed !== null &&
        row.sshKnownHostKey !== null && {
          ssh: { privateKey: this.open(row, row.sshPrivateKeySealed, 'sshPrivateKey'), knownHostKey: row.sshKnownHostKey },
        }),
    };
  }

  private open(row: HostRow, sealed: string, field: HostSecretField): string {
    try {
      return this.secrets.open(sealed, hostSecretContext(row.id, field));
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      throw new ProblemException(
        500,
        'HOST_SECRET_UNREADABLE',
        `The stored ${field === 'tlsKey' ? 'TLS key' : 'ssh key'} of host '${row.id}' cannot be decrypted: ${error.message}. ` +
          "Was BERTH_SECRET_KEY or the data dir's secret-key changed? Restore the key, or set the host's credentials again.",
      );
    }
  }

  private engineFor(row: HostRow): DockerEngine {
    const descriptor = this.descriptor(row.id, row.name, this.connectionOf(row), parseLabels(row.labels));
    return new DockerEngine(descriptor, this.metrics, this.config.engineTimeoutMs);
  }

  private descriptor(id: string, name: string, connection: HostConnection, labels: Record<string, string>): HostDescriptor {
    const { tls, ssh } = connection;
    return {
      id,
      name,
      url: connection.url,
      labels,
      // As `docker --tlsverify`: the engine is checked against the CA and its address, and checks our certificate.
      ...(tls && { tls: engineTls(id, tls) }),
      ...(ssh && { ssh: { privateKey: ssh.privateKey, knownHostKey: ssh.knownHostKey } }),
    };
  }

  private async toDto(engine: Engine, row: HostRow | undefined, principal: Principal): Promise<HostDto> {
    // How to reach a host is shown to an admin on that host, not to an admin with a lower grant there.
    const admin = roleAllows(this.access.roleOn(principal, engine.host) ?? 'viewer', 'admin');
    const status = await engine.health?.settled();
    return {
      id: engine.host.id,
      name: engine.host.name,
      builtIn: row === undefined,
      ...(admin && { url: engine.host.url }),
      ...(admin && row && { plainHttp: row.plainHttp === 1 }),
      ...(admin && row?.tlsCa && row.tlsCert && { tls: { ca: row.tlsCa, cert: row.tlsCert, hasKey: row.tlsKeySealed !== null } }),
      ...(admin && row?.sshKnownHostKey && { ssh: { knownHostKey: row.sshKnownHostKey, user: sshUser(row.url) } }),
      labels: engine.host.labels ?? {},
      status: status ?? { state: 'unknown', since: new Date().toISOString() },
      ...(row && { createdAt: row.createdAt, updatedAt: row.updatedAt }),
    };
  }
}

function checked(input: Parameters<typeof checkHostConnection>[0]): HostConnection {
  const connection = checkHostConnection(input);
  if (Array.isArray(connection)) throw validationFailed(connection);
  return connection;
}

function engineTls(id: string, tls: { ca: string; cert: string; key: string }): EngineTls {
  return { verify: true, ca: Buffer.from(tls.ca), cert: Buffer.from(tls.cert), key: Buffer.from(tls.key), certPath: `host record '${id}'` };
}

function parseLabels(text: string): Record<string, string> {
  const labels: unknown = JSON.parse(text);
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {};
}

function toTestResult(probe: EngineProbe): HostTestResultDto {
  return probe;
}

export function hostNotFound(id: string): ProblemException {
  return new ProblemException(404, 'HOST_NOT_FOUND', `No host '${id}'.`);
}

function hostExists(id: string): ProblemException {
  return new ProblemException(409, 'HOST_EXISTS', `A host '${id}' exists already: change that one, or choose another id.`, {
    errors: [{ field: 'id', message: 'id is taken' }],
  });
}
