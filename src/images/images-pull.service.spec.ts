import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { EngineProgressMessage, PullOptions } from '../docker/engine-types.js';
import { AnonymousRegistryAuth } from '../docker/registry-auth.js';
import type { JobContext, JobProgress, JobRunner, JobSpec, JobView } from '../jobs/job-types.js';
import { ImagesPullService } from './images-pull.service.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };

/** Runs the job at once, recording what it reported. */
function inlineRunner() {
  const outputs: string[] = [];
  const progress: JobProgress[] = [];
  const specs: JobSpec[] = [];
  const results: Array<Promise<object>> = [];
  const runner = {
    start: vi.fn(async (spec: JobSpec) => {
      specs.push(spec);
      const context: JobContext = {
        signal: new AbortController().signal,
        output: (line) => outputs.push(line),
        progress: (p) => progress.push(p),
      };
      results.push(spec.run(context));
      return { id: 'job-1' } as JobView;
    }),
    finished: vi.fn(),
  } as unknown as JobRunner;
  return { runner, outputs, progress, specs, results };
}

function setup(messages: EngineProgressMessage[], failure?: Error) {
  const engine = fakeEngine({
    pullImage: vi.fn(async (_ref: string, _auth: unknown, options?: PullOptions) => {
      for (const message of messages) options?.onMessage?.(message);
      if (failure) throw failure;
    }),
    inspectImage: vi.fn(async () => ({ Id: 'sha256:abc', RepoDigests: ['app@sha256:def'] }) as never),
  });
  const policy = { authorizeTagReplacement: vi.fn(async () => undefined) };
  const jobs = inlineRunner();
  const service = new ImagesPullService(fakeHosts(engine), jobs.runner, policy as unknown as ContainerPolicy, new AnonymousRegistryAuth());
  return { engine, policy, jobs, service };
}

describe('ImagesPullService', () => {
  it('pulls `latest` when no tag is named, checks the tag policy first, dedupes per host and reference', async () => {
    const { engine, policy, jobs, service } = setup([]);
    await service.pull('local', { image: 'team/app' }, operator);
    expect(policy.authorizeTagReplacement).toHaveBeenCalledWith(engine, 'team/app:latest', operator);
    expect(jobs.specs[0]).toMatchObject({
      kind: 'pull',
      host: 'local',
      target: 'team/app:latest',
      dedupeKey: 'pull local team/app:latest  ',
    });
    await expect(jobs.results[0]).resolves.toEqual({ image: 'team/app:latest', imageId: 'sha256:abc', repoDigests: ['app@sha256:def'] });
    expect(engine.pullImage).toHaveBeenCalledWith(
      'team/app:latest',
      undefined,
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
  });

  it('shares a pull only with the same credentials: another registry record makes another job', async () => {
    const { jobs, service } = setup([]);
    await service.pull('local', { image: 'team/app:1' }, operator);
    await service.pull('local', { image: 'team/app:1', registryId: 'r2' }, operator);
    await service.pull('local', { image: 'team/app:1', registryId: 'r2' }, operator);
    const [anonymous, named, again] = jobs.specs.map((spec) => spec.dedupeKey);
    expect(named).not.toBe(anonymous);
    expect(again).toBe(named);
  });

  it('keeps a digest as it is and passes the platform', async () => {
    const { engine, jobs, service } = setup([]);
    const ref = `app@sha256:${'a'.repeat(64)}`;
    await service.pull('local', { image: ref, platform: 'linux/arm64' }, operator);
    expect(jobs.specs[0].target).toBe(ref);
    expect(engine.pullImage).toHaveBeenCalledWith(ref, undefined, expect.objectContaining({ platform: 'linux/arm64' }));
  });

  it('checks the tag again when the job leaves the queue, with the same engine, reference and caller', async () => {
    const { engine, policy, jobs, service } = setup([]);
    await service.pull('local', { image: 'team/app' }, operator);
    policy.authorizeTagReplacement.mockRejectedValueOnce(new ProblemException(403, 'POLICY_DENIED', 'now an exception runs it'));
    await expect(jobs.specs[0].authorize!()).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(policy.authorizeTagReplacement).toHaveBeenLastCalledWith(engine, 'team/app:latest', operator);
  });

  it('a policy refusal starts no job', async () => {
    const { policy, jobs, service } = setup([]);
    policy.authorizeTagReplacement.mockRejectedValueOnce(new ProblemException(403, 'POLICY_DENIED', 'no'));
    await expect(service.pull('local', { image: 'app:1' }, operator)).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect(jobs.specs).toHaveLength(0);
  });

  it('reports lines and per-layer progress, and ends at 100 %', async () => {
    const { jobs, service } = setup([
      { status: 'Pulling from team/app', id: '1' },
      { status: 'Pulling fs layer', id: 'a3ed95caeb02' },
      { status: 'Downloading', id: 'a3ed95caeb02', progressDetail: { current: 50, total: 100 } },
      { status: 'Pull complete', id: 'a3ed95caeb02' },
      { status: 'Digest: sha256:def' },
    ]);
    await service.pull('local', { image: 'team/app:1' }, operator);
    await jobs.results[0];
    expect(jobs.outputs).toEqual([
      '1: Pulling from team/app',
      'a3ed95caeb02: Pulling fs layer',
      'a3ed95caeb02: Pull complete',
      'Digest: sha256:def',
    ]);
    expect(jobs.progress.map((p) => p.percent)).toEqual([0, 50, 100, 100]);
    expect(jobs.progress.at(-1)).toMatchObject({ currentBytes: 100, totalBytes: 100 });
  });

  it('the engine failure fails the job (rejects), and the image is not inspected as if it were there', async () => {
    const { engine, jobs, service } = setup([], new ProblemException(404, 'IMAGE_NOT_FOUND', 'manifest unknown'));
    await service.pull('local', { image: 'app:nope' }, operator);
    await expect(jobs.results[0]).rejects.toMatchObject({ detail: 'manifest unknown' });
    expect(engine.inspectImage).not.toHaveBeenCalled();
  });
});
