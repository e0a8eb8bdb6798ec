// Boots the app without listening or touching the engine and writes openapi/openapi.json.
// `--check` compares instead of writing and fails when the committed spec has drifted.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { AppModule } from '../app.module.js';
import { OPENAPI_PATH, configureApp, packageVersion } from '../app.setup.js';
import { buildOpenApiDocument } from '../common/openapi.js';
import { AppConfig } from '../config/app-config.js';

export async function generateOpenApi(): Promise<string> {
  const app = await NestFactory.create(AppModule.withConfig(new AppConfig()), { preview: true, logger: false });
  configureApp(app);
  const document = buildOpenApiDocument(app, packageVersion());
  await app.close();
  return `${JSON.stringify(document, null, 2)}\n`;
}

const spec = await generateOpenApi();
if (process.argv.includes('--check')) {
  const committed = readFileSync(OPENAPI_PATH, 'utf8');
  if (committed !== spec) {
    console.error('openapi/openapi.json is out of date: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('openapi/openapi.json is up to date.');
} else {
  writeFileSync(OPENAPI_PATH, spec);
  console.log(`wrote ${OPENAPI_PATH}`);
}
