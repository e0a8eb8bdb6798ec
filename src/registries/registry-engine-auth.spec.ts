import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../database/database.js';
import { RegistriesRepository } from './registries.repository.js';
import { RegistriesService } from './registries.service.js';
import { StoredRegistryAuth, engineAuth, referenceRegistryHost } from './registry-engine-auth.js';
import { SecretBox } from './secret-box.js';
import { resealSecrets } from './secret-rotation.js';
import { StoredRegistryDirectory } from './stored-registry-directory.js';

describe('referenceRegistryHost', () => {
  it.each([
    ['localhost:5001/x', 'localhost:5001'],
    ['localhost/x', 'localhost'],
    ['localhost', 'docker.io'],
    ['busybox', 'docker.io'],
    ['library/busybox:1.36', 'docker.io'],
    ['docker.io/library/busybox', 'docker.io'],
    ['index.docker.io/library/x', 'docker.io'],
    ['registry-1.docker.io/library/x:1', 'docker.io'],
    ['evil.com/localhost:5001/x', 'evil.com'],
    ['127.0.0.1:5001.evil.com/x', '127.0.0.1:5001.evil.com'],
    ['127.0.0.1:5001/team/app:1.0', '127.0.0.1:5001'],
    ['127.0.0.1:5001/team/app@sha256:' + 'a'.repeat(64), '127.0.0.1:5001'],
    ['LOCALHOST:5001/x', 'localhost:5001'],
    ['ghcr.io/org/app', 'ghcr.io'],
    ['team/app', 'docker.io'],
    // Upper case makes the first component a host to the engine: Docker Hub's credentials must not go there.
    ['Evil/app', 'evil'],
    ['DockerHub/library/busybox', 'dockerhub'],
  ])('%s → %s', (ref, host) => {
    expect(referenceRegistryHost(ref)).toBe(host);
  });
});

describe('StoredRegistryAuth on a real database', () => {
  let database: Database;
  let service: RegistriesService;
  let auth: StoredRegistryAuth;
  let box: SecretBox;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await Database.open(join(mkdtempSync(join(tmpdir(), 'berth-reg-')), 'data'));
    const repository = new RegistriesRepository(database);
    box = new SecretBox(randomBytes(32));
    service = new RegistriesService(repository, box);
    auth = new StoredRegistryAuth(new StoredRegistryDirectory(repository, service));
    for (const [name, url, secret] of [
      ['local', 'localhost:5001', { username: 'dev', password: 'local-pass' }],
      ['loopback', '127.0.0.1:5001', { username: 'berth-test', password: 'loopback-pass' }],
      ['hub', 'index.docker.io', { username: 'jane', password: 'hub-pass' }],
      ['ghcr', 'ghcr.io', { username: 'bot', identityToken: 'ghcr-token' }],
      ['anon', 'registry.example.com', {}],
    ] as const) {
      ids[name] = (await service.create({ name, url, ...secret })).id;
    }
  });
  afterAll(() => database.close());

  it.each([
    ['localhost:5001/x', 'local-pass'],
    ['localhost/x', undefined],
    ['localhost:50011/x', undefined],
    ['127.0.0.1:5001/x:1', 'loopback-pass'],
    ['127.0.0.1/x', undefined],
    ['127.0.0.1:5001.evil.com/x', undefined],
    ['evil.com/localhost:5001/x', undefined],
    ['evil.com/127.0.0.1:5001/x', undefined],
    ['busybox:latest', 'hub-pass'],
    ['docker.io/library/busybox', 'hub-pass'],
    ['index.docker.io/library/x', 'hub-pass'],
    ['localhost:5001', 'hub-pass'],
    ['ghcr.io.evil.com/x', undefined],
    ['x.ghcr.io/y', undefined],
    ['registry.example.com/app', undefined],
    ['Library/busybox', undefined],
  ])('%s gets the password %s', async (ref, password) => {
    expect((await auth.authFor(ref))?.password).toBe(password);
  });

  it('sends Docker Hub credentials under the server address the engine knows Hub by', async () => {
    expect(await auth.authFor('busybox')).toEqual({ username: 'jane', password: 'hub-pass', serveraddress: 'https://index.docker.io/v1/' });
  });

  it('sends an identity token as identitytoken', async () => {
    expect(await auth.authFor('ghcr.io/org/app:1')).toEqual({ username: 'bot', identitytoken: 'ghcr-token', serveraddress: 'ghcr.io' });
  });

  it('uses the registry a request names, when it is for the reference host', async () => {
    expect((await auth.authFor('127.0.0.1:5001/x', ids.loopback))?.password).toBe('loopback-pass');
  });

  it('answers 404 REGISTRY_NOT_FOUND for an unknown registryId', async () => {
    await expect(auth.authFor('127.0.0.1:5001/x', '6f1c1e1e-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      status: 404,
    });
    await expect(auth.authFor('127.0.0.1:5001/x', 'not-a-uuid')).rejects.toMatchObject({ code: 'REGISTRY_NOT_FOUND' });
  });

  it("refuses a registryId for another host: its credentials would go to the reference's host", async () => {
    const refused = await auth.authFor('evil.com/x', ids.loopback).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', problem: { errors: [{ field: 'registryId' }] } });
    expect(JSON.stringify(refused)).not.toContain('loopback-pass');
  });

  it("gives a build every stored registry's credentials by server address", async () => {
    expect(await auth.buildAuths()).toEqual({
      'localhost:5001': { username: 'dev', password: 'local-pass', serveraddress: 'localhost:5001' },
      '127.0.0.1:5001': { username: 'berth-test', password: 'loopback-pass', serveraddress: '127.0.0.1:5001' },
      'https://index.docker.io/v1/': { username: 'jane', password: 'hub-pass', serveraddress: 'https://index.docker.io/v1/' },
      'ghcr.io': { username: 'bot', identitytoken: 'ghcr-token', serveraddress: 'ghcr.io' },
    });
  });

  it('re-seals every secret under a new key, which then opens them all', async () => {
    const next = new SecretBox(randomBytes(32));
    expect(await resealSecrets(database, box, next)).toBe(4);
    const rotated = new StoredRegistryAuth(
      new StoredRegistryDirectory(new RegistriesRepository(database), new RegistriesService(new RegistriesRepository(database), next)),
    );
    expect((await rotated.authFor('127.0.0.1:5001/x'))?.password).toBe('loopback-pass');
    expect((await rotated.authFor('ghcr.io/x'))?.identitytoken).toBe('ghcr-token');
    // The old key opens nothing any more.
    await expect(auth.authFor('127.0.0.1:5001/x')).rejects.toMatchObject({ code: 'REGISTRY_SECRET_UNREADABLE' });
    // A second run has nothing left to do.
    expect(await resealSecrets(database, next, next)).toBe(0);
  });
});

describe('engineAuth', () => {
  it('is undefined for a record without credentials: an anonymous pull', () => {
    expect(engineAuth({ name: 'a', kind: 'generic', host: 'r.example.com', apiUrl: 'https://r.example.com' })).toBeUndefined();
  });
});
