import { Controller, Get, Module, Query, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IncomingMessage, request as httpRequest, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bornWith, ExpressServerAdapter } from './express-server.js';

@Controller('things')
class ThingsController {
  @Get()
  list(@Query('name') name?: string): object {
    return { name: name ?? null, items: [1, 2] };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

function get(app: INestApplication, path: string): Promise<{ status: number; type?: string; body: string }> {
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body }));
    })
      .on('error', reject)
      .end();
  });
}

/** The prototypes of the request and response as the server made them, before Express saw them. */
function watchBirths(app: INestApplication): Array<{ request: object; response: object }> {
  const births: Array<{ request: object; response: object }> = [];
  (app.getHttpServer() as Server).prependListener('request', (request, response) =>
    births.push({ request: Object.getPrototypeOf(request) as object, response: Object.getPrototypeOf(response) as object }),
  );
  return births;
}

describe('ExpressServerAdapter', () => {
  let app: NestExpressApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("makes each request and response with Express's prototypes, and Nest's routes answer as before", async () => {
    const adapter = new ExpressServerAdapter();
    app = await NestFactory.create<NestExpressApplication>(ThingsModule, adapter, { logger: false });
    await app.listen(0, '127.0.0.1');
    const births = watchBirths(app);
    const express = adapter.getInstance<{ request: object; response: object }>();

    const answer = await get(app, '/things?name=web');
    expect(answer).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' });
    expect(JSON.parse(answer.body)).toEqual({ name: 'web', items: [1, 2] });
    expect(births).toEqual([{ request: express.request, response: express.response }]);
    expect((await get(app, '/nowhere')).status).toBe(404);
  });

  it('leaves the server to Nest when it must do more than serve plain HTTP (here: a 503 while closing)', async () => {
    app = await NestFactory.create<NestExpressApplication>(ThingsModule, new ExpressServerAdapter(), {
      logger: false,
      return503OnClosing: true,
    });
    await app.listen(0, '127.0.0.1');
    const births = watchBirths(app);

    expect((await get(app, '/things')).status).toBe(200);
    expect(births).toEqual([{ request: IncomingMessage.prototype, response: ServerResponse.prototype }]);
  });
});

describe('bornWith', () => {
  it("makes the base's objects with the given prototype", () => {
    const prototype = Object.create(IncomingMessage.prototype) as object;
    const Born = bornWith(IncomingMessage, prototype);
    const made = new Born(null as never);
    expect(Object.getPrototypeOf(made)).toBe(prototype);
    expect(made).toBeInstanceOf(IncomingMessage);
    expect(made.headers).toEqual({});
  });

  it("refuses a prototype that does not inherit from the base's: its objects would lack the base's methods", () => {
    expect(() => bornWith(ServerResponse, Object.create(IncomingMessage.prototype) as object)).toThrow(/ServerResponse/);
  });
});
