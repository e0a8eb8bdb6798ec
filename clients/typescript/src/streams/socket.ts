// Opening a Berth stream with whatever WebSocket the caller has: the browser's, Node 22's global one, or `ws`.
import { createClient, createConfig } from '../generated/client/index.js';
import { createWsTicket } from '../generated/sdk.gen.js';
import { BerthStreamError, closeError, refusalError } from './errors.js';
import { FrameQueue } from './frame-queue.js';

/** What the helpers use of a WebSocket; the browser's and `ws`'s both have it. */
export interface WebSocketLike {
  binaryType: string;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/** A WebSocket class. Only `ws` takes the third argument (headers); browsers ignore it, hence tickets there. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike;

/** Where and as whom to open streams. */
export interface StreamConnection {
  /** Berth's URL, e.g. `http://localhost:8080` (https gives wss). */
  baseUrl: string;
  /** An API key (`berth_...`) or a login token, or a function answering one (called for each stream). */
  token: string | (() => string | Promise<string>);
  /** The WebSocket class: `globalThis.WebSocket` when left out (browsers, Node 22+); on Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /**
   * How the upgrade authenticates: `header` (`Authorization: Bearer`, only `ws` can send it) or `ticket`
   * (`?ticket=` from `POST /api/v1/ws/tickets`, works everywhere). Default: `header` with `ws`, else `ticket`.
   */
  auth?: 'header' | 'ticket';
  /** The fetch that asks for tickets; `globalThis.fetch` when left out. */
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** An open stream: its frames (text as strings, binary as bytes) end at close 1000 and throw a BerthStreamError at any other. */
export interface Socket {
  frames: AsyncIterableIterator<string | Uint8Array>;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
}

/** The ws:// or wss:// URL of a channel, with its query (arrays as repeated parameters). */
export function streamUrl(baseUrl: string, path: string, query: Query): string {
  const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url.toString();
}

/** Opens a channel; rejects with a BerthStreamError (StreamRefusedError when Berth refused it) when it does not open. */
export async function openSocket(connection: StreamConnection, path: string, query: Query, protocols?: string[]): Promise<Socket> {
  const WebSocketClass = connection.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass) throw new TypeError('no WebSocket class: pass one as `WebSocket` (e.g. `ws` on Node 20)');
  const token = typeof connection.token === 'function' ? await connection.token() : connection.token;
  const auth = connection.auth ?? (isNodeWs(WebSocketClass) ? 'header' : 'ticket');
  const url = streamUrl(connection.baseUrl, path, auth === 'ticket' ? { ...query, ticket: await wsTicket(connection, token) } : query);
  const socket =
    auth === 'header'
      ? new WebSocketClass(url, protocols, { headers: { authorization: `Bearer ${token}` } })
      : new WebSocketClass(url, protocols);
  socket.binaryType = 'arraybuffer';
  const frames = new FrameQueue<string | Uint8Array>(() => socket.close(1000));
  let refusal: BerthStreamError | undefined;
  onRefusal(socket, (error) => {
    refusal = error;
    socket.close();
  });
  return new Promise((resolve, reject) => {
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      resolve({ frames, send: (data) => socket.send(data), close: () => socket.close(1000) });
    });
    socket.addEventListener('message', (event) => frames.push(frameOf(event.data)));
    // A close event follows every error, and says more: the error itself is left to it (`ws` throws errors nobody listens to).
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', ({ code, reason }) => {
      const error = refusal ?? closeError(code, reason);
      if (opened) frames.end(error);
      else reject(error ?? new BerthStreamError(`stream closed before it opened (${code})`, code, reason));
    });
  });
}

/** `ws` is an EventEmitter: the browser's and undici's WebSocket are not. */
function isNodeWs(WebSocketClass: WebSocketConstructor): boolean {
  return typeof (WebSocketClass.prototype as { on?: unknown }).on === 'function';
}

/** A one-time ticket for an upgrade, for WebSocket classes that cannot send headers. */
async function wsTicket(connection: StreamConnection, token: string): Promise<string> {
  const client = createClient(createConfig({ baseUrl: connection.baseUrl, auth: token, fetch: connection.fetch }));
  const { data, error, response } = await createWsTicket({ client });
  if (!data) throw refusalError(response?.status ?? 0, JSON.stringify(error));
  return data.ticket;
}

type NodeResponse = { statusCode?: number; on(event: 'data' | 'end', listener: (chunk?: unknown) => void): unknown };

/** With `ws`, the refused upgrade's HTTP status and problem (a browser only sees the socket close). */
function onRefusal(socket: WebSocketLike, refused: (error: BerthStreamError) => void): void {
  const emitter = socket as unknown as {
    on?: (event: 'unexpected-response', listener: (request: unknown, response: NodeResponse) => void) => void;
  };
  if (typeof emitter.on !== 'function') return;
  emitter.on('unexpected-response', (_request, response) => {
    let body = '';
    response.on('data', (chunk) => (body += String(chunk)));
    response.on('end', () => refused(refusalError(response.statusCode ?? 0, body)));
  });
}

function frameOf(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('unexpected WebSocket frame data: set binaryType to arraybuffer');
}
