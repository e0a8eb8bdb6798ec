import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The image cannot be built here (no base images can be pulled), so the files are parsed and
// checked for what would break a deployment: a key compose ignores, a mount or port that misses,
// an image that runs as root or runs something the build does not produce.

/** Compose's top-level and service keys (compose-spec): a misspelt key is an error there, silently dropped here otherwise. */
const TOP_LEVEL_KEYS = ['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include'];
const SERVICE_KEYS = [
  'annotations',
  'attach',
  'blkio_config',
  'build',
  'cap_add',
  'cap_drop',
  'cgroup',
  'cgroup_parent',
  'command',
  'configs',
  'container_name',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpu_shares',
  'cpus',
  'cpuset',
  'credential_spec',
  'depends_on',
  'deploy',
  'develop',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'env_file',
  'environment',
  'expose',
  'extends',
  'external_links',
  'extra_hosts',
  'gpus',
  'group_add',
  'healthcheck',
  'hostname',
  'image',
  'init',
  'ipc',
  'isolation',
  'labels',
  'links',
  'logging',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'ports',
  'privileged',
  'profiles',
  'pull_policy',
  'read_only',
  'restart',
  'runtime',
  'scale',
  'secrets',
  'security_opt',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'storage_opt',
  'sysctls',
  'tmpfs',
  'tty',
  'ulimits',
  'user',
  'userns_mode',
  'uts',
  'volumes',
  'volumes_from',
  'working_dir',
];
const RESTART = /^(no|always|on-failure(:\d+)?|unless-stopped)$/;
const PORT = /^(?:(?<ip>[\d.]+|\[[\da-f:]+\]):)?(?:(?<published>\d+(?:-\d+)?):)?(?<target>\d+(?:-\d+)?)(?:\/(tcp|udp))?$/;

type Service = Record<string, any>;
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const isNamedVolume = (source: string) => !/^[./~]/.test(source);
const mountsOf = (service: Service) =>
  ((service.volumes ?? []) as string[]).map((spec) => {
    const [source, target, mode] = spec.split(':');
    return { source, target, mode };
  });

describe('docker-compose.yml', () => {
  it('is valid for `docker compose config` where the compose plugin is installed', (context) => {
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    } catch {
      context.skip('no docker compose plugin here: the checks below stand in for it');
    }
    execFileSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '--quiet'], { stdio: 'pipe' });
  });

  it('uses only keys compose knows, and every service is runnable', () => {
    expect(Object.keys(compose).filter((key) => !TOP_LEVEL_KEYS.includes(key) && !key.startsWith('x-'))).toEqual([]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(
        Object.keys(service).filter((key) => !SERVICE_KEYS.includes(key) && !key.startsWith('x-')),
        name,
      ).toEqual([]);
      expect(service.image ?? service.build, `${name} has an image or a build`).toBeTruthy();
      if (service.restart !== undefined) expect(service.restart, name).toMatch(RESTART);
      for (const port of service.ports ?? []) expect(String(port), name).toMatch(PORT);
      for (const value of Object.values(service.environment ?? {})) expect(['string', 'number', 'boolean'], name).toContain(typeof value);
      for (const { source, target } of mountsOf(service)) {
        expect(target, `${name} mounts ${source} on an absolute path`).toMatch(/^\//);
        if (isNamedVolume(source)) expect(Object.keys(compose.volumes ?? {}), `${name}'s volume ${source} is declared`).toContain(source);
      }
    }
  });

  it('runs Berth with the socket its DOCKER_HOST names, its data on a named volume, on the loopback port it listens on', () => {
    const berth = compose.services.berth;
    const env = berth.environment as Record<string, string>;
    expect(berth.build).toBe('.');
    const socket = /^unix:\/\/(\/.+)$/.exec(env.DOCKER_HOST)?.[1];
    expect(mountsOf(berth)).toContainEqual({ source: '/var/run/docker.sock', target: socket, mode: undefined });
    const data = mountsOf(berth).find((mount) => mount.target === env.BERTH_DATA_DIR);
    expect(data && isNamedVolume(data.source)).toBe(true);
    expect(env.HOST).toBe('0.0.0.0');
    const published = (berth.ports as string[]).map((port) => PORT.exec(port)!.groups!);
    expect(published).toContainEqual(expect.objectContaining({ ip: '127.0.0.1', target: env.PORT }));
    expect(published.every((port) => port.ip === '127.0.0.1')).toBe(true);
  });

  it("requires DOCKER_GID for the socket's group, saying how to get it (no default: a wrong group is a 503 on every call)", () => {
    const groups = compose.services.berth.group_add as string[];
    expect(groups).toHaveLength(1);
    const required = /^\$\{DOCKER_GID:\?(?<message>[^}]+)\}$/.exec(groups[0]);
    expect(required?.groups?.message).toContain('stat -c %g /var/run/docker.sock');
    // `$` in compose's message would be read as interpolation: backticks instead of $( ).
    expect(required?.groups?.message).not.toContain('$');
  });
});

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's stages: instructions with continuations joined and comments dropped. */
function dockerfileStages(text: string): { name?: string; instructions: Instruction[] }[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: { name?: string; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    stages.at(-1)!.instructions.push({ op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerfileStages(readFileSync('Dockerfile', 'utf8'));
  const [build, runtime] = [stages[0], stages.at(-1)!];
  const all = (stage: typeof runtime, op: string) => stage.instructions.filter((instruction) => instruction.op === op).map((i) => i.args);
  const last = (op: string) => all(runtime, op).at(-1);
  const env = Object.fromEntries(
    all(runtime, 'ENV').flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)].map(([, key, value]) => [key, value])),
  );

  it('compiles in a build stage, better-sqlite3 from source, and ships only the build', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(all(build, 'ENV').join(' ')).toMatch(/npm_config_build_from_source=true/);
    const copied = all(runtime, 'COPY')
      .filter((args) => args.startsWith(`--from=${build.name} `))
      .map((args) => args.split(' ')[1]);
    // dist/ runs; node_modules are its imports; openapi/ and package.json are read at run time (app.setup.ts).
    expect(copied.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/openapi', '/app/package.json']);
  });

  it('runs dist/main.js, which the build produces, as the unprivileged node user', () => {
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(JSON.parse(last('CMD')!)).toEqual(['node', 'dist/main.js']);
    const tsconfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: './src', outDir: './dist' });
    expect(existsSync('src/main.ts')).toBe(true);
    const ops = runtime.instructions.map((instruction) => instruction.op);
    expect(last('USER')).toBe('node');
    expect(ops.lastIndexOf('USER')).toBeLessThan(ops.lastIndexOf('CMD'));
  });

  it('keeps the data directory on a volume the node user owns, and listens where it exposes', () => {
    expect(JSON.parse(last('VOLUME')!)).toEqual([env.BERTH_DATA_DIR]);
    expect(all(runtime, 'RUN').join(' ')).toContain(`chown node:node ${env.BERTH_DATA_DIR}`);
    expect(last('EXPOSE')).toBe(env.PORT);
    // Healthy means ready: the engine answers too (a socket Berth may not open is not healthy).
    expect(last('HEALTHCHECK')).toContain("/readyz'");
  });

  it('runs on Node 24 LTS, the same release in every stage (native addons are compiled for the runtime stage)', () => {
    const versions = stages.map((stage) => /^node:(24(?:\.\d+){0,2})-bookworm(?:-slim)? AS /.exec(all(stage, 'FROM')[0])?.[1]);
    expect(versions.every((version) => version !== undefined)).toBe(true);
    expect(new Set(versions).size).toBe(1);
  });
});
