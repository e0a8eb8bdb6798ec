import { INestApplication } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { ApiProperty, DECORATORS, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import { STATUS_CODES } from 'node:http';
import { ProblemDto } from './dto/problem.dto.js';
import { PROBLEM_EXAMPLE_DETAILS } from './problem-examples.js';
import type { ProblemCode } from './problem-codes.js';
import { PROBLEM_CONTENT_TYPE, codeForStatus, problemType } from './problem.js';

/** Per status, the `code`s a route answers with, the most likely first: `{ 409: ['NAME_CONFLICT', 'PORT_ALLOCATED'] }`. */
export type ProblemCodesByStatus = Partial<Record<number, readonly ProblemCode[]>>;

/** Where ApiProblems keeps a route's codes until buildOpenApiDocument turns them into responses. */
const PROBLEMS_EXTENSION = 'x-berth-problems';

/**
 * Documents the error answers of a route, or of every route of a controller, beyond the ones every
 * route has (400, 401, 403, 429, 500): `@ApiProblems({ 404: ['IMAGE_NOT_FOUND'], 409: ['NAME_CONFLICT'] })`.
 * A bare status (`@ApiProblems(409)`) stands for its generic code (`CONFLICT`). Codes given on the
 * controller and on the route add up; each response names its codes and shows an example of each.
 */
export const ApiProblems =
  (...answers: (number | ProblemCodesByStatus)[]) =>
  (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const added = toCodesByStatus(answers);
    const methods = descriptor ? [descriptor.value as object] : routeMethods(target as new () => unknown);
    for (const method of methods) {
      const extensions = (Reflect.getMetadata(DECORATORS.API_EXTENSION, method) ?? {}) as Record<string, unknown>;
      const codes = mergeCodes((extensions[PROBLEMS_EXTENSION] ?? {}) as ProblemCodesByStatus, added);
      Reflect.defineMetadata(DECORATORS.API_EXTENSION, { ...extensions, [PROBLEMS_EXTENSION]: codes }, method);
    }
  };

/** A route under `/hosts/{host}`: unknown host, engine down, or an engine failure Berth has no code for. */
export const ApiHostRoute = () =>
  ApiProblems({
    404: ['HOST_NOT_FOUND'],
    502: ['ENGINE_ERROR'],
    503: ['ENGINE_UNAVAILABLE', 'ENGINE_PERMISSION_DENIED', 'ENGINE_HOST_KEY_MISMATCH', 'ENGINE_SSH_AUTH_FAILED'],
  });

function toCodesByStatus(answers: (number | ProblemCodesByStatus)[]): ProblemCodesByStatus {
  return answers.reduce<ProblemCodesByStatus>(
    (codes, answer) => mergeCodes(codes, typeof answer === 'number' ? { [answer]: [codeForStatus(answer)] } : answer),
    {},
  );
}

/** `a`'s codes first (a route's own, declared before its controller's), each once. */
function mergeCodes(a: ProblemCodesByStatus, b: ProblemCodesByStatus): ProblemCodesByStatus {
  const merged: Record<number, ProblemCode[]> = {};
  for (const codes of [a, b]) {
    for (const [status, list] of Object.entries(codes)) {
      merged[Number(status)] = [...new Set([...(merged[Number(status)] ?? []), ...(list ?? [])])];
    }
  }
  return merged;
}

/** The methods of a controller that are routes (a class decorator runs after its methods' ones). */
function routeMethods(controller: new () => unknown): object[] {
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown)
    .filter((method): method is object => typeof method === 'function' && Reflect.hasMetadata(METHOD_METADATA, method));
}

/**
 * Request fields validated with `@IsInt()` are `integer` in the document: the swagger plugin reads
 * the TypeScript type (`number`) only. Response fields, which have no validators, say
 * `@ApiProperty({ type: 'integer' })` themselves.
 */
function typeValidatedIntegers(): void {
  const storage = getMetadataStorage() as unknown as { validationMetadatas?: unknown };
  if (!(storage.validationMetadatas instanceof Map)) {
    throw new Error('class-validator keeps its metadata elsewhere now: update typeValidatedIntegers in src/common/openapi.ts');
  }
  for (const metadatas of (storage.validationMetadatas as Map<unknown, ValidationMetadata[]>).values()) {
    for (const { name, target, propertyName, each } of metadatas) {
      if (name !== 'isInt' || typeof target !== 'function') continue;
      ApiProperty({ type: 'integer', ...(each && { isArray: true }) })(target.prototype as object, propertyName);
    }
  }
}

/** Resources first, in the order a newcomer meets them; each with what it is for. */
const TAGS: { name: string; description: string }[] = [
  { name: 'hosts', description: 'The Docker hosts Berth manages: engine info, version, disk usage.' },
  { name: 'containers', description: 'Create, run, inspect, stop and remove containers; logs, stats, processes and one-shot exec.' },
  { name: 'images', description: 'List, inspect, pull, build, tag, push, import, export and remove images.' },
  { name: 'jobs', description: 'Long operations (pull, push, build, import, prune, service rollouts) and their progress.' },
  { name: 'registries', description: 'Stored registry credentials, and browsing a registry’s repositories and tags.' },
  { name: 'prune', description: 'Plan what a prune would remove, then execute the plan.' },
  { name: 'volumes', description: 'List, create, inspect and remove volumes.' },
  { name: 'networks', description: 'List, create, inspect and remove networks; connect and disconnect containers.' },
  { name: 'swarm', description: 'A Swarm manager host: its swarm, nodes (drain, labels), tasks, secrets (never readable) and configs.' },
  {
    name: 'services',
    description: 'Swarm services of a manager host: create, inspect, update, scale and roll back (followed as jobs), remove; logs.',
  },
  {
    name: 'streams',
    description: 'Tickets for the WebSocket channels (logs, service logs, exec, attach, events, stats, jobs): see /asyncapi.yaml.',
  },
  { name: 'auth', description: 'Log in, the caller, passwords and API keys for bots.' },
  { name: 'users', description: 'Users and their roles (admin).' },
  { name: 'audit', description: 'The append-only log of what was done, by whom, from where.' },
  { name: 'fleet', description: 'Containers, images and volumes across the hosts you can see (`?host=all`), partial if one is down.' },
  { name: 'updates', description: 'Whether the images containers run are behind their tags in the registry.' },
  { name: 'system', description: 'Liveness, readiness and metrics of Berth itself.' },
];

const HOST_PARAMETER_DESCRIPTION = 'The id of a Docker host (GET /api/v1/hosts); `local` is the engine Berth starts with (`DOCKER_HOST`).';

const ref = (kind: 'schemas' | 'headers', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });

/** Response headers, named as Berth sends them. */
const HEADERS = {
  'X-Request-Id': {
    description: 'The request id (the one sent, when sane, else a new one); also `requestId` in problems.',
    schema: { type: 'string' },
  },
  'Retry-After': integerHeader('Seconds to wait before trying again.'),
  'RateLimit-Limit': integerHeader('Requests allowed in the window of the limit that binds.'),
  'RateLimit-Remaining': integerHeader('Requests left in that window.'),
  'RateLimit-Reset': integerHeader('Seconds until that window resets (or the block ends).'),
  'RateLimit-Policy': { description: 'The limit that binds: `limit;w=seconds`.', schema: { type: 'string' } },
};
const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'];

type Json = Record<string, unknown>;
interface Operation extends Json {
  summary?: string;
  requestBody?: Json;
  description?: string;
  parameters?: Json[];
  responses: Record<string, Json>;
  security?: unknown[];
}

/** The OpenAPI document of the app, sorted so that regenerating it yields the same bytes. */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  typeValidatedIntegers();
  const config = new DocumentBuilder()
    .setTitle('Berth')
    .setDescription(
      'A management API for Docker hosts. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. The WebSocket streams (logs, exec, attach, events, stats, jobs): [/docs/streams](streams) ([asyncapi.yaml](../asyncapi.yaml)).',
    )
    .setVersion(version)
    .addServer('/', 'This Berth: paths are relative to where the document is served.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A JWT from /api/v1/auth/login or an API key (`berth_...`).' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ProblemDto],
  });
  const used = new Set(Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((op: Operation) => op?.tags ?? [])));
  document.tags = TAGS.filter((tag) => used.has(tag.name));
  const unknownTags = [...used].filter((name) => !TAGS.some((tag) => tag.name === name));
  if (unknownTags.length > 0) throw new Error(`tags without a description in src/common/openapi.ts: ${unknownTags.join(', ')}`);
  const examples: Record<string, Json> = {};
  document.components = { ...document.components, headers: HEADERS, examples };
  const schemas = (document.components.schemas ?? {}) as Record<string, Json>;
  for (const schema of Object.values(schemas)) optionalWhenDefaulted(schema);
  for (const name of schemasSent(document.paths, schemas)) defaultsInWords(schemas[name]);
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const operation of Object.values(pathItem) as Operation[]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      plainSummary(operation);
      describeParameters(operation);
      documentProblems(path, operation, examples);
      for (const response of Object.values(operation.responses)) {
        response.headers = { ...(response.headers as Json), 'X-Request-Id': ref('headers', 'X-Request-Id') };
      }
    }
  }
  return sortKeys(document) as OpenAPIObject;
}

/** A field with a default may be left out: generators (openapi-typescript) make every `required` field mandatory. */
function optionalWhenDefaulted(schema: Json): void {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  if (Array.isArray(schema.required)) {
    schema.required = schema.required.filter((name: string) => properties[name]?.default === undefined);
    if ((schema.required as string[]).length === 0) delete schema.required;
  }
  for (const property of Object.values(properties)) optionalWhenDefaulted(property);
}

/** The component schemas a client sends (request bodies and what they reference), by name. */
function schemasSent(paths: object, schemas: Record<string, Json>): Set<string> {
  const sent = new Set<string>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    const target = (value as Json).$ref;
    if (typeof target === 'string' && target.startsWith('#/components/schemas/')) {
      const name = target.slice('#/components/schemas/'.length);
      if (sent.has(name)) return;
      sent.add(name);
      visit(schemas[name]);
    }
    Object.values(value).forEach(visit);
  };
  for (const item of Object.values(paths) as Record<string, Operation>[]) {
    for (const operation of Object.values(item)) visit(operation?.requestBody);
  }
  return sent;
}

/**
 * openapi-typescript makes every property with a `default` required in component schemas, request
 * bodies' too (`pull`, `start`, `timeoutMs` would have to be sent): in what clients send, the
 * default is said in words instead.
 */
function defaultsInWords(schema: Json): void {
  for (const property of Object.values((schema.properties ?? {}) as Record<string, Json>)) {
    if (property.default !== undefined) {
      property.description = [property.description, `Default: \`${JSON.stringify(property.default)}\`.`].filter(Boolean).join(' ');
      delete property.default;
    }
    defaultsInWords(property);
  }
}

/** The summary is a plain line (Swagger UI shows backticks literally); the whole JSDoc, markdown and all, is the description. */
function plainSummary(operation: Operation): void {
  if (!operation.summary) return;
  const full = operation.summary;
  const sentence = (/^(.+?[.!?])(?=\s|$)/s.exec(full.replace(/\s+/g, ' '))?.[1] ?? full).replace(/`/g, '').replace(/\.$/, '');
  // A long first sentence is cut at its first clause: `docker load as a job (kind import)`.
  const clause = /^(.{10,}?)[:;] /.exec(sentence)?.[1];
  operation.summary = sentence.length > 100 && clause ? clause : sentence;
  operation.description = [full, operation.description].filter(Boolean).join('\n\n');
}

function describeParameters(operation: Operation): void {
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path' && parameter.name === 'host') {
      parameter.description = HOST_PARAMETER_DESCRIPTION;
      parameter.schema = { type: 'string', default: 'local' };
    } else if (parameter.required === true && (parameter.schema as Json | undefined)?.default !== undefined) {
      parameter.required = false;
    }
  }
}

/** Statuses every route can answer, with the codes they carry. */
function commonProblems(secured: boolean): ProblemCodesByStatus {
  return {
    // Every route rejects unknown query or body fields.
    400: ['VALIDATION_FAILED', 'BAD_REQUEST'],
    ...(secured && { 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 429: ['RATE_LIMITED'] }),
    500: ['INTERNAL_ERROR'],
  };
}

const COMMON_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing or invalid credentials',
  429: 'Too many requests (the limits of login and key creation, or BERTH_RATE_LIMIT when set)',
  500: 'Internal Server Error',
};

/**
 * Turns the codes ApiProblems noted (and the common ones) into problem responses that name them,
 * with an example body of each: one per code in `components.examples`, at the first path that answers it.
 */
function documentProblems(path: string, operation: Operation, examples: Record<string, Json>): void {
  const declared = (operation[PROBLEMS_EXTENSION] ?? {}) as ProblemCodesByStatus;
  delete operation[PROBLEMS_EXTENSION];
  const secured = Array.isArray(operation.security) && operation.security.length > 0;
  const problems = mergeCodes(declared, commonProblems(secured));
  for (const [statusKey, codes = []] of Object.entries(problems)) {
    const status = Number(statusKey);
    const title = COMMON_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error';
    const exampleRefs = codes.map((code) => {
      const name = examples[code] === undefined || (examples[code].value as Json).status === status ? code : `${code}_${status}`;
      examples[name] ??= { summary: `${status} ${code}`, value: exampleProblem(status, code, path) };
      return [code, { $ref: `#/components/examples/${name}` }];
    });
    operation.responses[statusKey] = {
      description: `${title}: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
      headers: problemHeaders(status, codes),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('schemas', 'ProblemDto'), examples: Object.fromEntries(exampleRefs) } },
    };
  }
}

function problemHeaders(status: number, codes: readonly ProblemCode[]): Json {
  if (status === 429) return Object.fromEntries(['Retry-After', ...RATE_LIMIT_HEADERS].map((name) => [name, ref('headers', name)]));
  if (codes.includes('ENGINE_UNAVAILABLE')) return { 'Retry-After': ref('headers', 'Retry-After') };
  return {};
}

/** A problem body as Berth would answer it at `path` (`{host}` as `local`, other parameters as examples). */
export function exampleProblem(status: number, code: ProblemCode, path: string): Json {
  return {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: PROBLEM_EXAMPLE_DETAILS[code] ?? `${STATUS_CODES[status] ?? 'Error'}.`,
    instance: examplePath(path),
    requestId: '0b8f2a4c-5d1e-4c3b-9a7f-2e6d8c1b4a90',
    code,
    ...(code === 'VALIDATION_FAILED' && { errors: [{ field: 'nmae', message: 'property nmae should not exist' }] }),
  };
}

/** Path parameters as a client would fill them; `{id}` by the collection it is in. */
const EXAMPLE_PATH_VALUES: Record<string, string> = {
  host: 'local',
  containers: 'web',
  networks: 'backend',
  services: 'web',
  volumes: 'data',
  name: 'data',
  ref: 'busybox%3Alatest',
  repo: 'team%2Fapp',
  tag: '1.0',
};
const EXAMPLE_ID = '5f0c3e1a-8b2d-4c6e-9f1a-3d7b2c4e6a80';

function examplePath(path: string): string {
  return path.replace(/(?:\/([\w-]+))?\/\{(\w+)\}/g, (_match, collection: string | undefined, name: string) => {
    const value = (name === 'id' && collection && EXAMPLE_PATH_VALUES[collection]) || EXAMPLE_PATH_VALUES[name] || EXAMPLE_ID;
    return `${collection ? `/${collection}` : ''}/${value}`;
  });
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
