import { WebSocket } from 'ws';

export interface Refusal {
  status: number;
  contentType: string;
  body: any;
}

export interface OpenSocket {
  ws: WebSocket;
  /** Every frame received so far (text frames as strings, binary as Buffers). */
  frames: Array<string | Buffer>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `predicate` holds for the frames received (checked on every frame). */
  until(predicate: (frames: Array<string | Buffer>) => boolean, timeoutMs?: number): Promise<void>;
}

export interface WsOptions {
  token?: string;
  headers?: Record<string, string>;
  protocols?: string[];
}

export function wsUrl(
  httpUrl: string,
  path: string,
  params: Record<string, string | number | boolean | string[] | undefined> = {},
): string {
  const url = new URL(path, httpUrl.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url.toString();
}

/** Opens a socket; rejects with a Refusal when the server answers the upgrade with an HTTP error. */
export function openWs(url: string, options: WsOptions = {}): Promise<OpenSocket> {
  const headers = { ...options.headers, ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }) };
  const ws = new WebSocket(url, options.protocols ?? [], { headers });
  const frames: Array<string | Buffer> = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer, isBinary) => {
    frames.push(isBinary ? data : data.toString('utf8'));
    for (const check of waiters) check();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const check of waiters) check();
    });
  });
  const until: OpenSocket['until'] = (predicate, timeoutMs = 20_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting; got ${frames.length} frames: ${frames.slice(-5).map(String).join(' | ').slice(0, 2000)}`));
      }, timeoutMs);
      const check = () => {
        if (predicate(frames)) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        } else if (ws.readyState === WebSocket.CLOSED) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`socket closed before the condition held; frames: ${frames.slice(-5).map(String).join(' | ').slice(0, 2000)}`));
        }
      };
      waiters.add(check);
      check();
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed, until }));
    ws.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        reject(
          Object.assign(new Error(`upgrade refused with ${response.statusCode}: ${text}`), {
            refusal: {
              status: response.statusCode ?? 0,
              contentType: String(response.headers['content-type'] ?? ''),
              body,
            } satisfies Refusal,
          }),
        );
      });
    });
    ws.once('error', (error) => reject(error));
  });
}

/** The HTTP refusal of an upgrade that must fail. */
export async function refusalOf(url: string, options: WsOptions = {}): Promise<Refusal> {
  try {
    const socket = await openWs(url, options);
    socket.ws.terminate();
  } catch (error) {
    const refusal = (error as { refusal?: Refusal }).refusal;
    if (refusal) return refusal;
    throw error;
  }
  throw new Error(`expected ${url} to be refused, but it opened`);
}

/** Log lines from the frames of a logs socket (a frame is one object or an array of them). */
export function logLines(frames: Array<string | Buffer>): Array<{ stream: string; ts: string; line: string }> {
  return frames.flatMap((frame) => {
    const parsed = JSON.parse(String(frame));
    // One shape: every frame is an array, also of one line.
    if (!Array.isArray(parsed)) throw new Error(`a log frame is not an array: ${String(frame).slice(0, 200)}`);
    return parsed;
  });
}
