import 'reflect-metadata';
import { Parser } from '@asyncapi/parser';
import { GATEWAY_OPTIONS } from '@nestjs/websockets/constants.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STREAM_CHANNELS } from './stream.gateways.js';
import { StreamsModule } from './streams.module.js';

const ASYNCAPI_PATH = fileURLToPath(new URL('../../openapi/asyncapi.yaml', import.meta.url));

/** The paths the app serves WebSockets on: every gateway of the streams module. */
function servedPaths(): string[] {
  const providers: unknown[] = Reflect.getMetadata('providers', StreamsModule) ?? [];
  return providers
    .map(
      (provider) =>
        (typeof provider === 'function' ? Reflect.getMetadata(GATEWAY_OPTIONS, provider) : undefined) as { path?: string } | undefined,
    )
    .filter((options): options is { path: string } => typeof options?.path === 'string')
    .map((options) => options.path);
}

// The AsyncAPI parser loads its rulesets on first use: seconds of CPU, more on a busy machine.
describe('openapi/asyncapi.yaml', { timeout: 30_000 }, () => {
  it('is a valid AsyncAPI 3 document and documents every channel the server serves', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toMatch(/^3\./);

    const documented = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    const served = servedPaths();
    expect(served.sort()).toEqual(Object.values(STREAM_CHANNELS).sort());
    for (const path of served) expect(documented).toContain(path);
  });

  it('documents the close codes the server uses', async () => {
    const text = readFileSync(ASYNCAPI_PATH, 'utf8');
    const { CloseCode } = await import('./close-codes.js');
    for (const code of Object.values(CloseCode)) expect(text).toContain(`| ${code} |`);
  });
});
