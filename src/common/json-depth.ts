import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemException } from './problem.js';

/** Deeper JSON than any Berth body needs; recursive code downstream (class-transformer) overflows its stack on thousands of levels. */
export const MAX_JSON_DEPTH = 32;

const [QUOTE, BACKSLASH, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY] = ['"', '\\', '{', '[', '}', ']'].map((c) => c.charCodeAt(0));

/**
 * How deep the objects and arrays of a JSON text nest, by one pass over its bytes (no recursion,
 * no parse). Malformed text gets some number; the parser rejects it afterwards anyway.
 */
export function jsonDepth(text: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      deepest = Math.max(deepest, ++depth);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return deepest;
}

/**
 * body-parser's `verify` hook: refuses a JSON body nested deeper than MAX_JSON_DEPTH before it is parsed. The scan
 * reads UTF-8 bytes, so other charsets body-parser would decode (`charset=utf-16le`: a backslash's escaped character
 * is two bytes there, and a string seems to end early) are refused with 415.
 */
export function rejectDeepJson(_request: IncomingMessage, _response: ServerResponse, body: Buffer, encoding?: string): void {
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', `JSON bodies must be UTF-8, not ${encoding.slice(0, 32)}.`);
  }
  if (jsonDepth(body) > MAX_JSON_DEPTH) {
    throw new ProblemException(400, 'VALIDATION_FAILED', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, {
      errors: [{ field: '', message: `objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep` }],
    });
  }
}
