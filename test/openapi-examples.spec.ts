import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidationPipe } from '../src/common/validation.js';

// Swagger UI's "Try it out" starts from these examples: every JSON body and 2xx answer needs one, and a body's must be valid.
type Schema = {
  $ref?: string;
  type?: string;
  example?: unknown;
  examples?: unknown;
  default?: unknown;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};
type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { value?: unknown }> };
type OperationObject = {
  requestBody?: { content: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
};
type SpecDocument = { paths: Record<string, Record<string, OperationObject>>; components: { schemas: Record<string, Schema> } };

const spec = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as SpecDocument;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const schemaName = (ref: string) => ref.replace('#/components/schemas/', '');
const resolveRef = (schema: Schema) => (schema.$ref ? spec.components.schemas[schemaName(schema.$ref)] : schema);
const hasExample = (schema: Schema) => schema.example !== undefined || schema.examples !== undefined;
const isJson = (contentType: string) => /json/.test(contentType) && contentType !== 'application/x-ndjson';

interface JsonMedia {
  where: string;
  media: Media;
}

/** Every JSON request body and 2xx JSON answer in the committed document. */
function jsonMedia(): { bodies: JsonMedia[]; answers: JsonMedia[] } {
  const bodies: JsonMedia[] = [];
  const answers: JsonMedia[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {}).filter(([t]) => isJson(t)))
        bodies.push({ where: `${method.toUpperCase()} ${path} body ${type}`, media });
      for (const [status, response] of Object.entries(operation.responses ?? {}).filter(([s]) => s.startsWith('2')))
        for (const [type, media] of Object.entries(response.content ?? {}).filter(([t]) => isJson(t)))
          answers.push({ where: `${method.toUpperCase()} ${path} ${status} ${type}`, media });
    }
  }
  return { bodies, answers };
}

/** The paths (`ContainerSummaryDto.ports[].hostIp`) of schema properties that have no example, through `$ref`s. */
export function propertiesWithoutExample(schema: Schema | undefined, at: string, seen = new Set<string>()): string[] {
  if (!schema) return [at];
  if (hasExample(schema)) return [];
  if (schema.$ref) {
    const name = schemaName(schema.$ref);
    if (seen.has(name)) return [];
    return propertiesWithoutExample(resolveRef(schema), name, new Set(seen).add(name));
  }
  const parts = schema.allOf ?? schema.oneOf ?? schema.anyOf;
  if (parts) return parts.flatMap((part) => propertiesWithoutExample(part, at, seen));
  if (schema.type === 'array') return propertiesWithoutExample(schema.items, `${at}[]`, seen);
  if (schema.properties)
    return Object.entries(schema.properties).flatMap(([key, property]) => propertiesWithoutExample(property, `${at}.${key}`, seen));
  return [at];
}

const JSON_TYPES: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number',
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  array: Array.isArray,
  object: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
};

/** Named schemas whose property examples are not of the property's type (`"1.0"` read as the number 1). */
function examplesOfTheWrongType(): string[] {
  return Object.entries(spec.components.schemas).flatMap(([name, schema]) =>
    Object.entries(schema.properties ?? {})
      .filter(([, property]) => property.example !== undefined && property.type && JSON_TYPES[property.type])
      .filter(([, property]) => !(property.example === null && (property as { nullable?: boolean }).nullable))
      .filter(([, property]) => !JSON_TYPES[property.type!](property.example))
      .map(([key, property]) => `${name}.${key}: ${JSON.stringify(property.example)} is not a ${property.type}`),
  );
}

/** What Swagger UI pre-fills from property examples when the body has none of its own. */
function sampleOf(schema: Schema | undefined, seen = new Set<string>()): unknown {
  if (!schema) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.$ref) {
    const name = schemaName(schema.$ref);
    return seen.has(name) ? undefined : sampleOf(resolveRef(schema), new Set(seen).add(name));
  }
  const parts = schema.allOf ?? schema.oneOf ?? schema.anyOf;
  if (parts) return sampleOf(parts[0], seen);
  if (schema.type === 'array') return [sampleOf(schema.items, seen)];
  if (schema.properties)
    return Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, sampleOf(property, seen)]));
  return schema.default ?? schema.enum?.[0];
}

/** The examples a user picks from: the media type's own, else the one assembled from property examples. */
function bodyExamples(media: Media): [string, unknown][] {
  if (media.examples) return Object.entries(media.examples).map(([name, example]) => [name, example.value]);
  if (media.example !== undefined) return [['example', media.example]];
  return [['from property examples', sampleOf(media.schema)]];
}

const { bodies, answers } = jsonMedia();

describe('openapi/openapi.json examples', () => {
  it('finds request bodies and answers to check', () => {
    expect(bodies.length).toBeGreaterThan(10);
    expect(answers.length).toBeGreaterThan(40);
  });

  it('gives properties examples of their own type', () => {
    expect(examplesOfTheWrongType()).toEqual([]);
  });

  it.each(bodies.map((body) => [body.where, body.media] as const))('%s has an example', (_where, media) => {
    if (media.example !== undefined || media.examples) return;
    expect(propertiesWithoutExample(media.schema, 'body')).toEqual([]);
  });

  it.each(answers.map((answer) => [answer.where, answer.media] as const))('%s has an example', (_where, media) => {
    if (media.example !== undefined || media.examples) return;
    expect(propertiesWithoutExample(media.schema, 'answer')).toEqual([]);
  });
});

describe('request-body examples pass the DTO validation (what "Try it out" sends)', () => {
  const dtoClasses = new Map<string, new () => object>();
  beforeAll(async () => {
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((file) => /\.dto\.ts$/.test(file));
    for (const file of files) {
      const module = (await import(pathToFileURL(resolve(join('src', file))).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) if (typeof value === 'function') dtoClasses.set(name, value as new () => object);
    }
  });

  // The DTO of a body: its schema's `$ref`, or the one `$ref` among the alternatives of a body that is also an upload.
  const dtoOf = (schema: Schema | undefined) => (schema?.$ref ?? schema?.oneOf?.find((part) => part.$ref)?.$ref) as string | undefined;
  const cases = bodies
    .filter((body) => dtoOf(body.media.schema))
    .flatMap((body) =>
      bodyExamples(body.media).map(([name, value]) => [body.where, name, schemaName(dtoOf(body.media.schema)!), value] as const),
    );

  it.each(cases)('%s, example %s, is a valid %s', async (_where, _name, dto, value) => {
    const metatype = dtoClasses.get(dto);
    expect(metatype, `no class named ${dto} in src/**/*.dto.ts`).toBeDefined();
    await expect(createValidationPipe().transform(value, { type: 'body', metatype })).resolves.toBeDefined();
  });
});
