import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The image cannot be built here (no base images can be pulled), so the files are checked as text.
describe('deployment files', () => {
  it('docker-compose.yml runs Berth with the socket, a data volume and a registry', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
    const berth = compose.services.berth;
    expect(berth.build).toBe('.');
    expect(berth.environment.HOST).toBe('0.0.0.0');
    expect(berth.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    const dataMount = berth.volumes.find((v: string) => v.endsWith(`:${berth.environment.BERTH_DATA_DIR}`));
    expect(dataMount?.split(':')[0]).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(dataMount.split(':')[0]);
    expect(berth.ports.some((p: string) => p.endsWith(`:${berth.environment.PORT}`))).toBe(true);
    expect(compose.services.registry.image).toBe('registry:2');
  });

  it('Dockerfile is multi-stage, compiles better-sqlite3 and runs the built app', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/apt-get install[^\n]*python3 make g\+\+/);
    expect(dockerfile).toMatch(/npm_config_build_from_source=true/);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main\.js"\]/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/openapi/);
  });
});
