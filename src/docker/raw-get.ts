import { connect, Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Where a raw connection to the engine goes: a unix socket or a plain TCP address. */
export type RawEndpoint = { socketPath: string } | { host: string; port: number };

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * A streaming GET to the engine as HTTP/1.0, for long, line-by-line bodies (logs). Over
 * HTTP/1.1 the engine sends every log line as its own chunk, and Node's HTTP client turns
 * each chunk into a callback and a stream write: a few microseconds per line that decide the
 * throughput. HTTP/1.0 has no chunking: the body is the raw bytes until the engine closes,
 * read as whatever each socket read returns.
 *
 * Resolves with the body once the status is 200; otherwise rejects with the engine's status
 * and message, shaped like docker-modem's errors so that translateEngineError reads them.
 */
export function rawGet(endpoint: RawEndpoint, path: string, signal: AbortSignal): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const socket: Socket = 'socketPath' in endpoint ? connect(endpoint.socketPath) : connect(endpoint.port, endpoint.host);
    const abort = () => socket.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal.addEventListener('abort', abort, { once: true });
    let head = Buffer.alloc(0);
    const fail = (error: unknown) => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) fail(new Error('engine answer head too long'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEarlyEnd);
      socket.pause();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      signal.removeEventListener('abort', abort);
      if (status === 200) return resolve(socket);
      readErrorBody(socket).then((body) => fail(engineHttpError(status, body)), fail);
    };
    const onEarlyEnd = () => fail(Object.assign(new Error('the engine closed the connection'), { code: 'ECONNRESET' }));
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('end', onEarlyEnd);
    socket.write(`GET ${path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n`);
  });
}

function readErrorBody(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    socket.on('data', (chunk: Buffer) => {
      if (body.length < MAX_ERROR_BODY_BYTES) body += chunk.toString('utf8');
    });
    socket.once('end', () => resolve(body));
    socket.once('error', () => resolve(body));
    socket.resume();
  });
}

function engineHttpError(statusCode: number, body: string): Error {
  let json: unknown = body;
  try {
    json = JSON.parse(body);
  } catch {
    // plain text
  }
  const message = typeof json === 'object' && json && 'message' in json ? String((json as { message: unknown }).message) : body.trim();
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json });
}
