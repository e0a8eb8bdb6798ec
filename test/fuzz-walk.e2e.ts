import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BerthProcess, startBerth } from './support/berth.js';
import { TEST_IMAGE, TEST_LABEL, docker, newRunId, removeTestResources, testLabels } from './support/engine.js';
import { api } from './support/http.js';
import { Operation, Schema, resolveSchema, specOperations } from './support/openapi.js';
import { openWs } from './support/ws.js';

// Issue 8: malformed input on every operation of the committed spec and every WebSocket
// channel's query must get a 4xx problem (or a 503 when the engine is away), never a 5xx or
// a crash. The walk is an admin, so requests get past auth to validation and the engine;
// it only ever names things that cannot exist (`berth-fuzz-<run>-<random>`), and anything
// valid enough to be created carries this run's labels (or its name) and is removed after.

const runId = newRunId();
const FUZZ_PREFIX = `berth-fuzz-${runId}`;
const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;
const fuzzName = (tag = 'x') => `${FUZZ_PREFIX}-${tag}-${randomBytes(4).toString('hex')}`;
const CONCURRENCY = 8;
const DEEP_LEVELS = 15_000;
/**
 * Berth spends ~4 ms of CPU per request here (~25 s for the walk when it has a core); the bound leaves room for a shared
 * machine: at a load average of 20 on 2 cores the walk (now over ~90 operations) took 160-180 s.
 */
const WALK_TIMEOUT_MS = 420_000;

interface Probe {
  what: string;
  method: string;
  path: string;
  /** The raw body text, sent as is. */
  body?: string;
  contentType?: string;
}

interface Outcome {
  probe: Probe;
  status: number;
  contentType: string;
  text: string;
}

/** Values of every wrong kind, for a field of any type. */
const WRONG_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['zero', 0],
  ['-1', -1],
  ['1.5', 1.5],
  ['1e308', 1e308],
  ['true', true],
  ['false', false],
  ['an empty string', ''],
  ['5000 chars', 'x'.repeat(5000)],
  ['a huge string', 'x'.repeat(60_000)],
  ['a NUL', 'a\u0000b'],
  ['a path that climbs', '../../../etc/passwd'],
  ['bidi and emoji', '\u202e\ud83d\ude00\udc00'],
  ['a numeric string', '42'],
  ['a boolean string', 'true'],
  ['an empty array', []],
  ['[null]', [null]],
  ['10k strings', Array.from({ length: 10_000 }, () => 'x')],
  ['10k numbers', Array.from({ length: 10_000 }, (_, i) => i)],
  ['10k objects', Array.from({ length: 10_000 }, () => ({}))],
  ['an empty object', {}],
  ['a __proto__ object', JSON.parse('{"__proto__":{"polluted":true}}')],
  ['a constructor object', { constructor: { prototype: { polluted: true } } }],
  ['nested arrays', [[['x']]]],
  ['an object of numbers', { a: 1, b: 2 }],
  ['an impossible date', '2026-13-45T99:99:99Z'],
  ['past MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 2],
  ['[a __proto__ object]', [JSON.parse('{"__proto__":{"polluted":true}}')]],
];

const isTenThousand = (value: unknown) => Array.isArray(value) && value.length >= 10_000;

/** Path parameters that cannot name anything (encoded as they go into the URL). */
const PATH_VALUES: Array<[string, () => string]> = [
  ['..', () => '..'],
  ['.', () => '.'],
  ['%2E%2E', () => '%2E%2E'],
  ['..%2F..', () => '..%2F..%2Finfo%3Fa%3D'],
  ['%2F', () => '%2F'],
  ['a %2F inside', () => `${fuzzName()}%2Fjson`],
  ['%00', () => '%00'],
  ['a name with %00', () => `${fuzzName()}%00`],
  ['a lone %', () => '%'],
  ['%zz', () => '%zz'],
  ['overlong UTF-8', () => '%C0%AF'],
  ['5000 chars', () => encodeURIComponent(`${FUZZ_PREFIX}-${'x'.repeat(5000)}`)],
  ['an SSRF try', () => encodeURIComponent('../../127.0.0.1:1/probe?a=')],
  ['a follow try', () => encodeURIComponent(`${fuzzName()}/logs?follow=1&a=`)],
  ['a space', () => '%20'],
  ['bidi', () => encodeURIComponent('\u202e')],
  ['a dash', () => '-'],
  ['shell', () => encodeURIComponent('$(id)')],
  ['sql', () => encodeURIComponent("' OR 1=1 --")],
  ['a random name', () => fuzzName()],
  ['a random name with a dot suffix', () => `${fuzzName()}.json`],
  ['CRLF', () => encodeURIComponent(`${fuzzName()}\r\nX-Injected: 1`)],
];

/** Query values, raw (some deliberately mis-encoded). */
const QUERY_VALUES: Array<[string, string]> = [
  ['empty', ''],
  ['5000 chars', 'x'.repeat(5000)],
  ['-1', '-1'],
  ['0', '0'],
  ['a huge number', '99999999999999999999999'],
  ['NaN', 'NaN'],
  ['1e309', '1e309'],
  ['yes', 'yes'],
  ['%00', '%00'],
  ['a NUL inside', `${FUZZ_PREFIX}%00x`],
  ['..%2F..', '..%2F..%2Finfo'],
  ['%zz', '%zz'],
  ['a lone %', '%'],
  ['JSON', encodeURIComponent('{"label":["a"]}')],
  ['bidi', encodeURIComponent('\u202e')],
];

/** Query shapes that Express's parser turns into arrays and objects. */
const queryShapes = (name: string): Array<[string, string]> => [
  ['repeated', `${name}=a&${name}=b`],
  ['an array', `${name}[]=a`],
  ['an object', `${name}[x]=1`],
  ['a __proto__ object', `${name}[__proto__][polluted]=1`],
  ['deep', `${name}[a][b][c][d][e][f][g][h]=1`],
];

/** Top-level bodies of every wrong shape (raw text). */
const bodyShapes = (base: Record<string, unknown>): Array<[string, string, string?]> => [
  ['null', 'null'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['a number', '42'],
  ['true', 'true'],
  ['10k elements', JSON.stringify(Array.from({ length: 10_000 }, () => 'x'))],
  ['a __proto__ key', JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":true},')],
  ['a constructor key', JSON.stringify(base).replace(/^\{/, '{"constructor":{"prototype":{"polluted":true}},')],
  ['an unknown field', JSON.stringify({ ...base, berthFuzz: 1 })],
  ['a field twice', JSON.stringify(base).replace(/\}$/, `,${JSON.stringify(Object.keys(base)[0] ?? 'x')}:null}`)],
  ['broken JSON', '{"a":'],
  ['a lone brace', '}'],
  ['a NUL', '\u0000'],
  ['an empty body', ''],
  ['a 200 kB body', JSON.stringify({ ...base, pad: 'x'.repeat(200_000) })],
  ['text/plain', JSON.stringify(base), 'text/plain'],
  ['a form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
  ['an unknown type', JSON.stringify(base), 'application/x-berth-fuzz'],
];

/** A value of the schema's type that is probably valid: the base a body mutation starts from. */
function sample(schema: Schema | undefined, depth = 0): unknown {
  const resolved = resolveSchema(schema);
  if (!resolved || depth > 4) return 'x';
  if (resolved.enum) return resolved.enum[0];
  switch (resolved.type) {
    case 'string':
      return fuzzName('s');
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [sample(resolved.items, depth + 1)];
    default:
      return Object.fromEntries((resolved.required ?? []).map((key) => [key, sample(resolved.properties?.[key], depth + 1)]));
  }
}

const CONTAINER_CREATE = '/api/v1/hosts/{host}/containers';
/** The creates that make an engine resource: each one's fuzzed bodies carry this run's labels and a taken name. */
const ENGINE_CREATES = new Set([CONTAINER_CREATE, '/api/v1/hosts/{host}/volumes', '/api/v1/hosts/{host}/networks']);
/** A container, network and volume this run makes first: creates under its name pass every check and stop at the engine (409, or the existing volume), creating nothing. */
const TAKEN_NAME = `${FUZZ_PREFIX}-taken`;
const isCreate = (op: Operation) => op.method === 'POST' && ENGINE_CREATES.has(op.path);

/**
 * The body each operation starts from. A create carries this run's labels, never pulls and
 * names a resource that exists: valid enough to reach the engine, which refuses it (409).
 */
function baseBody(op: Operation): Record<string, unknown> {
  const body = sample(op.body) as Record<string, unknown>;
  if (isPrune(op)) return { ...minimalBody(op) };
  if (!isCreate(op)) return body;
  const created = { ...body, ...minimalBody(op) };
  return op.path === CONTAINER_CREATE ? { ...created, image: TEST_IMAGE, cmd: ['true'], network: undefined, networks: undefined } : created;
}

const isPrune = (op: Operation) => op.method === 'POST' && op.path.startsWith('/api/v1/hosts/{host}/prune');
/** A prune the walk sends is filtered by a label nothing carries: a valid one must delete nothing on a shared engine. */
const PRUNE_FILTER = `berth.fuzz.prune=${runId}`;

/** What a body with one field carries besides it: for a create, the labels, the taken name (and for a container, no pull); for a prune, its label filter. */
function minimalBody(op: Operation): Record<string, unknown> {
  if (isPrune(op)) return { labels: [PRUNE_FILTER] };
  if (!isCreate(op)) return {};
  return { name: TAKEN_NAME, labels: testLabels(runId), ...(op.path === CONTAINER_CREATE && { pull: 'never' }) };
}

/** Path parameters, filled with names that cannot exist (`host` with the real host). */
function fillPath(op: Operation, overrides: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_match, name: string) => overrides[name] ?? (name === 'host' ? 'local' : fuzzName(name)));
}

/** Every malformed request for one operation. */
function probesFor(op: Operation): Probe[] {
  const probes: Probe[] = [];
  const name = `${op.method} ${op.path}`;
  const hasBody = op.body !== undefined;
  const withBody = (probe: Omit<Probe, 'body'>): Probe => (hasBody ? { ...probe, body: JSON.stringify(baseBody(op)) } : probe);

  for (const parameter of op.parameters.filter((p) => p.in === 'path')) {
    for (const [label, value] of PATH_VALUES) {
      probes.push(
        withBody({ what: `${name}: ${parameter.name} = ${label}`, method: op.method, path: fillPath(op, { [parameter.name]: value() }) }),
      );
    }
  }

  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  for (const query of queryNames) {
    for (const [label, value] of QUERY_VALUES) {
      probes.push(withBody({ what: `${name}: ?${query} = ${label}`, method: op.method, path: `${fillPath(op)}?${query}=${value}` }));
    }
    for (const [label, raw] of queryShapes(query)) {
      probes.push(withBody({ what: `${name}: ?${query} as ${label}`, method: op.method, path: `${fillPath(op)}?${raw}` }));
    }
  }
  for (const [label, raw] of [
    ...queryShapes('berthFuzz'),
    ['a __proto__ parameter', '__proto__[polluted]=1'],
    ['a constructor parameter', 'constructor[prototype][polluted]=1'],
  ]) {
    probes.push(withBody({ what: `${name}: unknown query ${label}`, method: op.method, path: `${fillPath(op)}?${raw}` }));
  }

  if (hasBody) {
    const properties = Object.entries(resolveSchema(op.body)?.properties ?? {});
    for (const [label, text, contentType] of bodyShapes(baseBody(op))) {
      probes.push({ what: `${name}: body ${label}`, method: op.method, path: fillPath(op), body: text, contentType });
    }
    for (const [field, fieldSchema] of properties) {
      for (const [label, value] of WRONG_VALUES) {
        const base = baseBody(op);
        // Never make a create body that could pass without this run's labels.
        if (field === 'labels' && 'labels' in base && (value === null || (typeof value === 'object' && !Array.isArray(value)))) continue;
        // Nor a prune without its filter: `labels: []` is a valid "no filter".
        if (isPrune(op) && field === 'labels' && Array.isArray(value) && value.length === 0) continue;
        probes.push({
          what: `${name}: ${field} = ${label}`,
          method: op.method,
          path: fillPath(op),
          body: JSON.stringify({ ...base, [field]: value }),
        });
        // 10k-element arrays cost validation time per item: once per field is enough.
        if (isTenThousand(value)) continue;
        probes.push({
          what: `${name}: only ${field} = ${label}`,
          method: op.method,
          path: fillPath(op),
          body: JSON.stringify({ ...minimalBody(op), [field]: value }),
        });
      }
      // One level down: the fields of an object, or of an array's items (ports, mounts, restartPolicy...).
      const resolved = resolveSchema(fieldSchema);
      const inner = resolved?.type === 'array' ? resolveSchema(resolved.items) : resolved;
      for (const [innerField] of Object.entries(inner?.properties ?? {})) {
        for (const [label, value] of WRONG_VALUES.filter(([, v]) => !isTenThousand(v))) {
          const base = baseBody(op);
          const item = { ...(sample(inner) as Record<string, unknown>), [innerField]: value };
          probes.push({
            what: `${name}: ${field}.${innerField} = ${label}`,
            method: op.method,
            path: fillPath(op),
            body: JSON.stringify({ ...base, [field]: resolved?.type === 'array' ? [item] : item }),
          });
        }
      }
    }
  }
  return probes;
}

/** A body nested `levels` deep, as text (JSON.stringify itself would overflow). */
function deepJson(levels: number, kind: 'object' | 'array'): string {
  return kind === 'object' ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}` : `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

async function send(baseUrl: string, token: string, probe: Probe): Promise<Outcome> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (probe.body !== undefined) headers['content-type'] = probe.contentType ?? 'application/json';
  try {
    const response = await fetch(`${baseUrl}${probe.path}`, { method: probe.method, headers, body: probe.body, redirect: 'manual' });
    const text = await response.text();
    return { probe, status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  } catch (error) {
    return { probe, status: 0, contentType: '', text: String((error as Error).cause ?? error) };
  }
}

/** Runs `work` over `items`, `CONCURRENCY` at a time. */
async function pooled<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

/** Why an outcome breaks the rules, or undefined when it keeps them. */
function violation(outcome: Outcome): string | undefined {
  const { status, contentType } = outcome;
  if (status === 0) return `no answer (${outcome.text})`;
  if (status >= 500 && status !== 503) return `${status}`;
  if (status >= 400 && !contentType.startsWith('application/problem+json')) return `${status} as ${contentType || 'no content type'}`;
  return undefined;
}

const describeOutcome = (outcome: Outcome, why: string) => `${outcome.probe.what} → ${why}: ${outcome.text.slice(0, 160)}`;

/** The WebSocket channels and their query parameters, from the committed AsyncAPI document. */
function streamChannels(): Array<{ channel: string; address: string; parameters: string[]; required: string[] }> {
  const document = parse(readFileSync('openapi/asyncapi.yaml', 'utf8')) as {
    channels: Record<
      string,
      { address: string; bindings?: { ws?: { query?: { properties?: Record<string, unknown>; required?: string[] } } } }
    >;
  };
  return Object.entries(document.channels).map(([channel, spec]) => ({
    channel,
    address: spec.address,
    parameters: Object.keys(spec.bindings?.ws?.query?.properties ?? {}),
    required: spec.bindings?.ws?.query?.required ?? [],
  }));
}

describe('the fuzz walk: malformed requests on every operation of openapi/openapi.json', () => {
  let berth: BerthProcess;
  /** The unlabelled networks and volumes before the walk (other tenants of the engine, left alone). */
  let before: string[] = [];
  let anonymousBefore = new Set<string>();
  const operations = specOperations();

  beforeAll(async () => {
    await docker.createContainer({ Image: TEST_IMAGE, name: TAKEN_NAME, Cmd: ['true'], Labels: testLabels(runId) });
    await docker.createNetwork({ Name: TAKEN_NAME, Labels: testLabels(runId) });
    await docker.createVolume({ Name: TAKEN_NAME, Labels: testLabels(runId) });
    before = await unlabelledNetworksAndVolumes();
    const { Volumes: volumes } = await docker.listVolumes();
    anonymousBefore = new Set((volumes ?? []).map((v) => v.Name).filter((name) => ANONYMOUS_VOLUME.test(name)));
    berth = await startBerth();
  });

  afterAll(async () => {
    await berth?.stop();
    await removeFuzzContainers();
    await removeNewDanglingAnonymousVolumes();
  });

  /**
   * Networks and named volumes without the test label: a fuzzed create must never add one (they would
   * outlive the run, and networks exhaust the engine's address pools). Anonymous volumes (64-hex
   * names) come with the containers a fuzzed create may make; they are removed after the walk.
   */
  async function unlabelledNetworksAndVolumes(): Promise<string[]> {
    const networks = await docker.listNetworks();
    const { Volumes: volumes } = await docker.listVolumes();
    return [
      ...networks.filter((n) => n.Labels?.[TEST_LABEL] !== '1').map((n) => `network ${n.Id}`),
      ...(volumes ?? []).filter((v) => v.Labels?.[TEST_LABEL] !== '1' && !ANONYMOUS_VOLUME.test(v.Name)).map((v) => `volume ${v.Name}`),
    ];
  }

  /** The anonymous volumes that appeared during the walk and no container uses any more. */
  async function removeNewDanglingAnonymousVolumes(): Promise<void> {
    const { Volumes: dangling } = await docker.listVolumes({ filters: { dangling: ['true'] } });
    const fresh = (dangling ?? []).filter((v) => ANONYMOUS_VOLUME.test(v.Name) && !anonymousBefore.has(v.Name));
    await Promise.all(
      fresh.map((v) =>
        docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
    );
  }

  /** Everything this run may have created: by its labels, or by its name when the labels were what was fuzzed. */
  async function removeFuzzContainers(): Promise<void> {
    await removeTestResources(runId);
    const named = await docker.listContainers({ all: true, filters: { name: [FUZZ_PREFIX] } });
    await Promise.all(
      named.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }

  async function expectHealthy(): Promise<void> {
    expect((await api(berth.url, '/healthz')).status).toBe(200);
    const list = await api(berth.url, '/api/v1/hosts/local/containers?all=true', { token: berth.token });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body.items)).toBe(true);
    expect((await api(berth.url, '/api/v1/auth/me', { token: berth.token })).body.role).toBe('admin');
  }

  // DEPENDS ON sec/auth-hardening (issue 8, finding 11: a body depth bound before validation).
  // Without it class-transformer overflows its stack on these and the answer is a 500; this
  // is the one case of the walk that fails on this branch alone. First, so that the login
  // rate limit the walk runs into does not answer these before the body is read.
  it('bodies nested 15000 levels deep get a 4xx problem on every operation that takes a body, and Berth stays healthy', async () => {
    const probes = operations
      .filter((op) => op.body !== undefined)
      .flatMap((op): Probe[] => {
        const base = baseBody(op);
        const field = Object.keys(resolveSchema(op.body)?.properties ?? {})[0] ?? 'a';
        const name = `${op.method} ${op.path}`;
        return [
          {
            what: `${name}: a body of objects ${DEEP_LEVELS} deep`,
            method: op.method,
            path: fillPath(op),
            body: deepJson(DEEP_LEVELS, 'object'),
          },
          {
            what: `${name}: a body of arrays ${DEEP_LEVELS} deep`,
            method: op.method,
            path: fillPath(op),
            body: deepJson(DEEP_LEVELS, 'array'),
          },
          {
            what: `${name}: ${field} ${DEEP_LEVELS} deep`,
            method: op.method,
            path: fillPath(op),
            body: JSON.stringify({ ...base, [field]: 0 }).replace(`"${field}":0`, `"${field}":${deepJson(DEEP_LEVELS, 'object')}`),
          },
        ];
      });
    expect(probes.length).toBeGreaterThan(10);
    const outcomes = await pooled(probes, (probe) => send(berth.url, berth.token, probe));
    const failures = outcomes.flatMap((outcome) => {
      const why = violation(outcome) ?? (outcome.status < 400 ? `${outcome.status}` : undefined);
      return why ? [describeOutcome(outcome, why)] : [];
    });
    expect(failures).toEqual([]);
    await expectHealthy();
  });

  it(
    'walks every operation with ≥ 5000 malformed requests: no 5xx but 503, every error a problem+json, Berth healthy after',
    { timeout: WALK_TIMEOUT_MS },
    async () => {
      const probes = operations.flatMap(probesFor);
      expect(probes.length).toBeGreaterThanOrEqual(5000);
      // Every operation of the spec is walked, so one added later is too.
      expect(new Set(probes.map((p) => p.what.split(':')[0])).size).toBe(operations.length);

      const outcomes = await pooled(probes, (probe) => send(berth.url, berth.token, probe));
      const failures = outcomes.flatMap((outcome) => {
        const why = violation(outcome);
        return why ? [describeOutcome(outcome, why)] : [];
      });
      expect(failures).toEqual([]);
      await expectHealthy();

      // Whatever a fuzzed body managed to create is this run's, labelled unless its labels were the fuzzed field.
      const added = (await unlabelledNetworksAndVolumes()).filter((resource) => !before.includes(resource));
      expect(added).toEqual([]);
      const created = await docker.listContainers({ all: true, filters: { name: [FUZZ_PREFIX] } });
      expect(created.filter((c) => c.Labels['berth.test.run'] !== runId && c.Labels[TEST_LABEL] !== '1').map((c) => c.Names[0])).toEqual(
        [],
      );
    },
  );

  it('walks every WebSocket channel of openapi/asyncapi.yaml: each refused upgrade is a 4xx problem, never a 5xx or a dropped connection', async () => {
    const channels = streamChannels();
    expect(channels.map((c) => c.channel).sort()).toEqual(expect.arrayContaining(['attach', 'events', 'exec', 'logs', 'stats']));

    const attempts: Array<{ what: string; url: string }> = [];
    const base = `${berth.url.replace(/^http/, 'ws')}`;
    for (const { channel, address, parameters, required } of channels) {
      // Required parameters get a name that cannot exist, so what opens streams from nothing.
      const baseQuery = () => required.filter((p) => p !== 'ticket').map((p) => `${p}=${p === 'container' ? fuzzName('ws') : fuzzName(p)}`);
      const url = (query: string[]) => `${base}${address}?${query.join('&')}`;
      for (const parameter of parameters) {
        const others = () => baseQuery().filter((q) => !q.startsWith(`${parameter}=`));
        // A container gets only values that cannot name one: `0` or `yes` could be a prefix or a name of someone's container.
        const values = [...(parameter === 'container' ? [] : QUERY_VALUES), ...PATH_VALUES.map(([l, v]): [string, string] => [l, v()])];
        for (const [label, value] of values) {
          attempts.push({ what: `${channel}: ${parameter} = ${label}`, url: url([...others(), `${parameter}=${value}`]) });
        }
        for (const [label, raw] of queryShapes(parameter))
          attempts.push({ what: `${channel}: ${parameter} as ${label}`, url: url([...others(), raw]) });
      }
      attempts.push({ what: `${channel}: an unknown parameter`, url: url([...baseQuery(), 'berthFuzz=1']) });
      attempts.push({ what: `${channel}: a __proto__ parameter`, url: url([...baseQuery(), '__proto__[polluted]=1']) });
      attempts.push({ what: `${channel}: no parameters`, url: url([]) });
    }

    const failures: string[] = [];
    let refused = 0;
    await pooled(attempts, async ({ what, url }) => {
      try {
        // Some are valid (an events stream of the local host): those open, and are closed at once.
        const socket = await openWs(url, { token: berth.token });
        socket.ws.close();
        await socket.closed;
      } catch (error) {
        const refusal = (error as { refusal?: { status: number; contentType: string; body: unknown } }).refusal;
        if (!refusal) failures.push(`${what} → no answer: ${String(error)}`);
        else if (refusal.status < 400 || refusal.status >= 500 || !refusal.contentType.startsWith('application/problem+json')) {
          failures.push(`${what} → ${refusal.status} ${refusal.contentType}: ${JSON.stringify(refusal.body).slice(0, 160)}`);
        } else refused++;
      }
    });
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(attempts.length / 2);
    await expectHealthy();
    expect(berth.output()).not.toMatch(/uncaught exception|unhandled rejection/);
  });
});
