import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer, IncomingMessage, ServerResponse, type RequestListener } from 'node:http';

/** The Express app, the server's request listener: `request` and `response` are the prototypes it gives each pair. */
export type ExpressApp = RequestListener & { request: object; response: object };

/**
 * Nest's Express adapter, but the HTTP server makes each request and response with Express's prototypes from the
 * start. Express otherwise moves every request and response to its own prototypes (`Object.setPrototypeOf` in
 * `app.handle`), which V8 pays for on each: the objects change shape, and the property loads of Node's HTTP code and
 * Express's on them miss their inline caches (issue 14: 5-13 % of a lone client's CPU per container list). Born with
 * them, Express's `setPrototypeOf` finds them already set and changes nothing.
 *
 * Only the plain HTTP server is made here; with options that make Nest's adapter do more (HTTPS, 503 on closing,
 * tracking connections to close them), Nest's own server is made as before.
 */
export class ExpressServerAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.return503OnClosing || options?.forceCloseConnections) {
      return super.initHttpServer(options);
    }
    const express = this.getInstance<ExpressApp>();
    this.httpServer = createServer(
      { IncomingMessage: bornWith(IncomingMessage, express.request), ServerResponse: bornWith(ServerResponse, express.response) },
      express,
    );
  }
}

/**
 * A constructor of `base`'s objects whose prototype is `prototype` (one that inherits from `base.prototype`, as
 * Express's do). A function, not a class: a class's `prototype` cannot be replaced.
 */
export function bornWith<T extends typeof IncomingMessage | typeof ServerResponse>(base: T, prototype: object): T {
  if (!Object.prototype.isPrototypeOf.call(base.prototype, prototype)) {
    throw new Error(`bornWith: the prototype does not inherit from ${base.name}'s`);
  }
  function Born(this: object, ...args: unknown[]) {
    Reflect.apply(base, this, args);
  }
  Born.prototype = prototype;
  return Born as unknown as T;
}
