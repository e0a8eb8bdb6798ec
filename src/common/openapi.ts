import { INestApplication, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ProblemDto } from './dto/problem.dto.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

const problemResponse = (status: number, description?: string) =>
  ApiResponse({
    status,
    description: description ?? STATUS_CODES[status],
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  });

/** Documents the error answers a route gives beyond the ones every route has. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(ApiExtraModels(ProblemDto), ...statuses.map((status) => problemResponse(status)));

/** A route under `/hosts/{host}`: unknown host, engine down. */
export const ApiHostRoute = () => ApiProblems(404, 503);

const PROBLEM_REF = { $ref: '#/components/schemas/ProblemDto' };

/** The OpenAPI document of the app, sorted so that regenerating it yields the same bytes. */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Berth')
    .setDescription(
      'A management API for Docker hosts. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. The WebSocket streams (logs, exec, attach, events, stats, jobs): [/docs/streams](streams) ([asyncapi.yaml](../asyncapi.yaml)).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A JWT from /api/v1/auth/login or an API key (`berth_...`).' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ProblemDto],
  });
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const responses = operation.responses as Record<string, unknown>;
      const secured = Array.isArray(operation.security) && operation.security.length > 0;
      const common: Record<string, string> = {
        // Every route rejects unknown query or body fields.
        '400': 'Invalid input',
        '500': 'Internal Server Error',
        ...(secured && { '401': 'Missing or invalid credentials', '403': 'The role of the caller is too low' }),
      };
      for (const [status, description] of Object.entries(common)) {
        responses[status] ??= { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } } };
      }
    }
  }
  return sortKeys(document) as OpenAPIObject;
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
