import type { ApiResponseExamples } from '@nestjs/swagger';
import type { ContainerImageStatusDto, HostImageStatusDto } from './image-status.dto.js';

// The OpenAPI examples of the update check's answers, one per state.
const OLD = 'sha256:6d1b0e9f2c5e4b3a8f7d9c0b1a2e3f4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f';
const NEW = 'sha256:0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a';
const REF = '127.0.0.1:5001/team/app:1.0';
const common = {
  containerId: '4c01db0b339c8f4a5b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a',
  containerName: 'web',
  reference: REF,
  imageId: 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741',
  checkedAt: '2026-11-26T15:04:05.000Z',
  registry: '127.0.0.1:5001',
  registryId: '0b6f6c1e-4f1a-4c57-9b0e-2f3c4d5e6f70',
  platform: 'linux/amd64',
};

const upToDate: ContainerImageStatusDto = {
  ...common,
  state: 'up-to-date',
  reason: 'same-digest',
  detail: `${REF} still points to ${OLD}.`,
  localDigests: [OLD],
  remoteDigest: OLD,
};
const outdated: ContainerImageStatusDto = {
  ...common,
  state: 'outdated',
  reason: 'digest-changed',
  detail: `${REF} now points to ${NEW}, which the local image is not.`,
  localDigests: [OLD],
  remoteDigest: NEW,
};
const otherPlatform: ContainerImageStatusDto = {
  ...common,
  reference: 'docker.io/library/nginx:1.27',
  registry: 'docker.io',
  registryId: undefined,
  state: 'up-to-date',
  reason: 'platform-unchanged',
  detail: `docker.io/library/nginx:1.27 changed (${NEW}), but not for linux/amd64 (${OLD}).`,
  localDigests: [OLD],
  remoteDigest: NEW,
};
const skipped: ContainerImageStatusDto = {
  ...common,
  reference: 'app:dev',
  registry: undefined,
  registryId: undefined,
  platform: undefined,
  state: 'skipped',
  reason: 'locally-built',
  detail:
    'The image has no digest from docker.io/library/app: it was built, committed, loaded or tagged on this host, never pulled from or pushed to that registry.',
  localDigests: [],
};
const unknown: ContainerImageStatusDto = {
  ...common,
  registryId: undefined,
  state: 'unknown',
  reason: 'unauthorized',
  detail:
    '127.0.0.1:5001 refused anonymous access (127.0.0.1:5001 asks for credentials); add a registry record for 127.0.0.1:5001 under /api/v1/registries.',
  localDigests: [OLD],
};
const rateLimited: ContainerImageStatusDto = {
  ...common,
  reference: 'docker.io/library/nginx:1.27',
  registry: 'docker.io',
  registryId: undefined,
  state: 'error',
  reason: 'rate-limited',
  detail: 'https://registry-1.docker.io rate-limits these requests (429): retry later.',
  localDigests: [OLD],
  retryAfter: 60,
};

const strip = ({ containerId: _id, containerName: _name, ...status }: ContainerImageStatusDto) => status;
const example = (summary: string, value: unknown): ApiResponseExamples => ({ summary, value: JSON.parse(JSON.stringify(value)) });

export const CONTAINER_STATUS_EXAMPLES: Record<string, ApiResponseExamples> = {
  upToDate: example('The tag still names the image the container runs', upToDate),
  outdated: example('The tag was pushed anew', outdated),
  otherPlatform: example('The index changed, for other platforms only', otherPlatform),
  skipped: example('Built on this host: nothing to compare', skipped),
  unknown: example('The registry wants credentials and no record matches', unknown),
  rateLimited: example('The registry answered 429: Berth waits', rateLimited),
};

export const IMAGE_STATUS_EXAMPLES: Record<string, ApiResponseExamples> = Object.fromEntries(
  Object.entries(CONTAINER_STATUS_EXAMPLES).map(([key, { summary, value }]) => [key, example(summary, strip(value))]),
);

const hostList: HostImageStatusDto = {
  counts: { 'up-to-date': 1, outdated: 1, unknown: 0, error: 0, skipped: 1 },
  items: [
    upToDate,
    { ...outdated, containerId: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b', containerName: 'worker' },
    skipped,
  ],
};
export const HOST_STATUS_EXAMPLES: Record<string, ApiResponseExamples> = {
  badge: example('Two containers of one image, one on the previous push; one built here', hostList),
};
