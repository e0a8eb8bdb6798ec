import { readFileSync } from 'node:fs';
import type { Role } from './berth.js';

/** What anyone may call without credentials (API.md): everything else must answer 401 without them. */
export const PUBLIC_OPERATIONS = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /docs',
  'GET /openapi.json',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
]);

export interface Operation {
  method: string;
  /** The templated path, e.g. `/api/v1/users/{id}`. */
  path: string;
  operationId: string;
  /** From the operation's description (`Requires role: \`admin\``); undefined when it names none. */
  role?: Role;
  /** Only a user session (no API key) may call it. */
  userSession: boolean;
  /** Whether the operation declares the bearer security scheme. */
  secured: boolean;
  /** Its path and query parameters, as declared. */
  parameters: Parameter[];
  /** The JSON body's schema, `$ref`s resolved one level at a time by `resolveSchema`. */
  body?: Schema;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  additionalProperties?: Schema | boolean;
}

type SpecDocument = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        description?: string;
        security?: unknown[];
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

const readSpec = () => JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as SpecDocument;

/** A schema with its `$ref` (or a single-`allOf` wrapper, as the swagger plugin writes for enums) followed. */
export function resolveSchema(schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return resolveSchema(readSpecOnce().components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
  if (schema.allOf?.length === 1) return resolveSchema(schema.allOf[0]);
  return schema;
}

let spec: SpecDocument | undefined;
const readSpecOnce = () => (spec ??= readSpec());

/** Every operation in the committed openapi/openapi.json, the same document users read. */
export function specOperations(): Operation[] {
  return Object.entries(readSpecOnce().paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        role: /Requires role: `(viewer|operator|admin)`/.exec(operation.description ?? '')?.[1] as Role | undefined,
        userSession: /with a user session/.test(operation.description ?? ''),
        secured: Array.isArray(operation.security) && operation.security.length > 0,
        parameters: operation.parameters ?? [],
        body: resolveSchema(operation.requestBody?.content['application/json']?.schema),
      })),
  );
}

export function isPublic(operation: Operation): boolean {
  return PUBLIC_OPERATIONS.has(`${operation.method} ${operation.path}`);
}

/** The path with every `{param}` filled: `host` with a real host, the rest with `value`. */
export function concretePath(path: string, value = 'no-such-thing'): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => (name === 'host' ? 'local' : encodeURIComponent(value)));
}

const RANK: Role[] = ['viewer', 'operator', 'admin'];
export function roleAllows(has: Role, needs: Role): boolean {
  return RANK.indexOf(has) >= RANK.indexOf(needs);
}
