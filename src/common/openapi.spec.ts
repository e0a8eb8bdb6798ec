import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiProblems } from './openapi.js';
import { PROBLEM_CODES } from './problem-codes.js';

type Json = Record<string, unknown>;
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Json; examples?: Record<string, { $ref?: string; value?: Json }> }>;
}
interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Json }[];
  responses: Record<string, Response>;
}
interface Spec {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; examples: Record<string, { value: Json }> };
}

// The committed document, the one clients generate from (the drift test keeps it equal to the code's).
const spec = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as Spec;
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, operation })),
);
const responses = operations.flatMap(({ name, operation }) =>
  Object.entries(operation.responses).map(([status, response]) => ({ name: `${name} ${status}`, status: Number(status), response })),
);
const problems = responses.filter(({ status }) => status >= 400);

/** Every object schema in the document, nested ones too, with where it is. */
function schemasIn(schema: unknown, at: string): { at: string; schema: Json }[] {
  if (!schema || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((item, index) => schemasIn(item, `${at}[${index}]`));
  const own = schema as Json;
  return [{ at, schema: own }, ...Object.entries(own).flatMap(([key, value]) => schemasIn(value, `${at}.${key}`))];
}

describe('openapi/openapi.json', () => {
  it('requires no field that has a default (openapi-typescript would make it mandatory)', () => {
    const offenders = schemasIn(spec.components.schemas, 'schemas').flatMap(({ at, schema }) => {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return required.filter((name) => properties[name]?.default !== undefined).map((name) => `${at}.${name}`);
    });
    const parameters = operations.flatMap(({ name, operation }) =>
      (operation.parameters ?? [])
        .filter((parameter) => parameter.in !== 'path' && parameter.required && parameter.schema?.default !== undefined)
        .map((parameter) => `${name} ?${parameter.name}`),
    );
    expect([...offenders, ...parameters]).toEqual([]);
  });

  it('has no `default` in what clients send (openapi-typescript makes such a component property required)', () => {
    const sent = new Set<string>();
    const visit = (value: unknown): void => {
      if (!value || typeof value !== 'object') return;
      const target = (value as Json).$ref;
      if (typeof target === 'string' && target.startsWith('#/components/schemas/') && !sent.has(target)) {
        sent.add(target);
        visit(spec.components.schemas[target.split('/').pop()!]);
      }
      Object.values(value).forEach(visit);
    };
    operations.forEach(({ operation }) => visit((operation as Operation & { requestBody?: unknown }).requestBody));
    expect(sent).toContain('#/components/schemas/ContainerCreateDto');
    const defaulted = [...sent].flatMap((target) =>
      schemasIn(spec.components.schemas[target.split('/').pop()!], target)
        .flatMap(({ at, schema }) =>
          Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([name, p]) => ({ at: `${at}.${name}`, p })),
        )
        .filter(({ p }) => p.default !== undefined)
        .map(({ at }) => at),
    );
    expect(defaulted).toEqual([]);
  });

  it('names, in each error response, only codes that exist, with an example body of each', () => {
    const known = new Set<string>(PROBLEM_CODES);
    const wrong = problems.flatMap(({ name, status, response }) => {
      const named = [...response.description.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]);
      const examples = response.content?.['application/problem+json']?.examples ?? {};
      const bodies = Object.entries(examples).map(([code, example]) => {
        const body = example.$ref ? spec.components.examples[example.$ref.split('/').pop()!]?.value : example.value;
        return { code, body };
      });
      return [
        ...(named.length === 0 ? [`${name}: names no code`] : []),
        ...named.filter((code) => !known.has(code)).map((code) => `${name}: unknown code ${code}`),
        ...named.filter((code) => !bodies.some((body) => body.code === code)).map((code) => `${name}: no example of ${code}`),
        ...bodies
          .filter(({ code, body }) => body?.code !== code || body?.status !== status || !body?.detail)
          .map(({ code }) => `${name}: example ${code} is not a ${status} ${code} problem`),
      ];
    });
    expect(wrong).toEqual([]);
  });

  it('documents the headers Berth sends: X-Request-Id always, Retry-After and RateLimit-* on 429, Retry-After on ENGINE_UNAVAILABLE', () => {
    const missing = responses.flatMap(({ name, status, response }) => {
      const headers = Object.keys(response.headers ?? {});
      const needs = [
        'X-Request-Id',
        ...(status === 429 ? ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] : []),
        ...(response.description.includes('`ENGINE_UNAVAILABLE`') ? ['Retry-After'] : []),
      ];
      return needs.filter((header) => !headers.includes(header)).map((header) => `${name}: ${header}`);
    });
    expect(missing).toEqual([]);
  });

  it('types counts, sizes, ports, ids and codes as integers', () => {
    const wholeNumber =
      /(Bytes|Count|Port|Ms)$|^(count|total|pid|pids|exitCode|status|id|containers|images|active|removed|skipped|failed)$/;
    const numbers = Object.entries(spec.components.schemas).flatMap(([schema, { properties }]) =>
      Object.entries((properties ?? {}) as Record<string, Json>)
        .filter(([name, property]) => wholeNumber.test(name) && property.type === 'number')
        .map(([name]) => `${schema}.${name}`),
    );
    expect(numbers).toEqual([]);
  });

  it('gives plain summaries, the resource tags in order with descriptions, a relative server and {host} defaulting to local', () => {
    expect(operations.filter(({ operation }) => operation.summary?.includes('`')).map(({ name }) => name)).toEqual([]);
    expect(spec.tags?.map((tag) => tag.name).slice(0, 13)).toEqual([
      'hosts',
      'containers',
      'images',
      'jobs',
      'registries',
      'prune',
      'volumes',
      'networks',
      'swarm',
      'services',
      'streams',
      'auth',
      'users',
    ]);
    expect(spec.tags?.filter((tag) => !tag.description)).toEqual([]);
    expect(spec.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const hosts = operations.flatMap(({ operation }) =>
      (operation.parameters ?? []).filter((parameter) => parameter.in === 'path' && parameter.name === 'host'),
    );
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.filter((parameter) => parameter.schema?.default !== 'local')).toEqual([]);
  });

  it('answers logs as a plain JSON array, the text forms as other media types of the same response (no union)', () => {
    const logs = spec.paths['/api/v1/hosts/{host}/containers/{id}/logs'].get.responses['200'].content!;
    expect(logs['application/json'].schema).toMatchObject({ type: 'array' });
    expect(logs['text/plain'].schema).toMatchObject({ type: 'string' });
    const unions = responses.filter(({ status, response }) => status < 300 && JSON.stringify(response).includes('"oneOf"'));
    expect(unions.map(({ name }) => name)).toEqual([]);
  });
});

describe('ApiProblems', () => {
  @Controller('things')
  @ApiProblems({ 404: ['HOST_NOT_FOUND'], 503: ['ENGINE_UNAVAILABLE'] })
  class ThingsController {
    @Get(':id')
    @ApiProblems({ 404: ['CONTAINER_NOT_FOUND'], 409: ['NAME_CONFLICT', 'PORT_ALLOCATED'] }, 502)
    getThing() {}

    @Get()
    listThings() {}
  }
  const codesOf = (method: object) => (Reflect.getMetadata(DECORATORS.API_EXTENSION, method) as Json)['x-berth-problems'];

  it.each([
    [
      'a route: its own codes first, then its controller’s; a bare status as its generic code',
      ThingsController.prototype.getThing,
      {
        404: ['CONTAINER_NOT_FOUND', 'HOST_NOT_FOUND'],
        409: ['NAME_CONFLICT', 'PORT_ALLOCATED'],
        502: ['BAD_GATEWAY'],
        503: ['ENGINE_UNAVAILABLE'],
      },
    ],
    [
      'a route with none of its own: its controller’s',
      ThingsController.prototype.listThings,
      { 404: ['HOST_NOT_FOUND'], 503: ['ENGINE_UNAVAILABLE'] },
    ],
  ])('%s', (_case, method, expected) => {
    expect(codesOf(method)).toEqual(expected);
  });
});
