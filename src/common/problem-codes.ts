/**
 * Every `code` the API answers with, the enum of `ProblemDto.code` in the OpenAPI document. A new
 * code is added here first: `ProblemException` takes no other.
 */
export const PROBLEM_CODES = [
  // Answers that came without a code of their own, by status (codeForStatus).
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  // Input and access.
  'VALIDATION_FAILED',
  'POLICY_DENIED',
  'WRONG_PASSWORD',
  // Berth's own resources.
  'USER_NOT_FOUND',
  'USERNAME_TAKEN',
  'LAST_ADMIN',
  'API_KEY_NOT_FOUND',
  'HOST_NOT_FOUND',
  'JOB_NOT_FOUND',
  'REGISTRY_NOT_FOUND',
  'REGISTRY_NAME_TAKEN',
  'REGISTRY_HOST_TAKEN',
  'REGISTRY_SECRET_UNREADABLE',
  'DATABASE_UNAVAILABLE',
  // The engine and what it holds (src/docker/engine-errors.ts).
  'ENGINE_UNAVAILABLE',
  'ENGINE_ERROR',
  'ENGINE_REJECTED',
  'INVALID_PS_ARGS',
  'AMBIGUOUS_REFERENCE',
  'REGISTRY_AUTH_FAILED',
  'CONTAINER_NOT_FOUND',
  'IMAGE_NOT_FOUND',
  'EXEC_NOT_FOUND',
  'VOLUME_NOT_FOUND',
  'NETWORK_NOT_FOUND',
  'NAME_CONFLICT',
  'NAME_UNCHANGED',
  'PORT_ALLOCATED',
  'CONTAINER_RUNNING',
  'CONTAINER_NOT_RUNNING',
  'CONTAINER_PAUSED',
  'CONTAINER_NOT_PAUSED',
  'IMAGE_IN_USE',
  // Registries and the Distribution API (src/registries/distribution/).
  'REGISTRY_FORBIDDEN',
  'REGISTRY_TLS_FAILED',
  'REGISTRY_UNREACHABLE',
  'NOT_A_REGISTRY',
  'REGISTRY_ERROR',
  'REGISTRY_RATE_LIMITED',
  'REGISTRY_REPOSITORY_NOT_FOUND',
  'REGISTRY_MANIFEST_NOT_FOUND',
  'CATALOG_UNSUPPORTED',
  'REGISTRY_DELETE_DISABLED',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];
