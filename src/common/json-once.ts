import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

/** An answer's body and ETag as Express would make them, made once. */
interface Serialised {
  body?: Buffer;
  etag?: string;
}

/** Answers handed out more than once and never changed (a list page shared while the engine's answer stays the same). */
const reused = new WeakMap<object, Serialised>();

/**
 * Marks an answer as reused and unchanging: sent again, it is not stringified nor hashed again. Whoever
 * marks it promises that nobody changes it afterwards (as for the views shared by coalesced reads).
 */
export function reusedAnswer<T extends object>(answer: T): T {
  if (!reused.has(answer)) reused.set(answer, {});
  return answer;
}

/**
 * `res.json` of a reused answer sends the bytes and ETag it got the first time: the same headers and body as
 * Express's own `res.json` (which Nest calls), without a JSON.stringify and a SHA-1 of the body per request.
 * Any other value, an answer with its own type, or an app with its own JSON settings goes through Express as before.
 */
export function sendReusedAnswersOnce(app: NestExpressApplication): void {
  const express = app.getHttpAdapter().getInstance() as { response: Response; get(setting: string): unknown };
  const response = express.response;
  const json = response.json;
  const plain = () => ['json replacer', 'json spaces', 'json escape'].every((setting) => !express.get(setting));
  response.json = function (this: Response, value: unknown) {
    const serialised = value !== null && typeof value === 'object' ? reused.get(value) : undefined;
    if (!serialised || !plain() || this.get('Content-Type') !== undefined) return json.call(this, value);
    if (!serialised.body) {
      serialised.body = Buffer.from(JSON.stringify(value), 'utf8');
      const etagOf = express.get('etag fn') as ((body: Buffer) => string | undefined) | undefined;
      serialised.etag = etagOf?.(serialised.body);
    }
    // What Express's send sets for a JSON string (its charset included), and the ETag it would compute from it.
    this.set('Content-Type', 'application/json; charset=utf-8');
    if (serialised.etag && !this.get('ETag')) this.set('ETag', serialised.etag);
    return this.send(serialised.body);
  };
}
