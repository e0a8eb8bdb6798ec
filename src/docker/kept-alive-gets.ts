import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { EngineConnectionError } from './engine-errors.js';
import { engineHttpError, MAX_ERROR_BODY_BYTES, type RawEndpoint } from './raw-get.js';

/** Idle connections kept per host; concurrent reads beyond them open more, closed once answered. */
const IDLE_KEPT = 8;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 4 * 1024;
/** A list of 10 000 containers is ~10 MB: more is no answer Berth asked for (a broken or hostile engine). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** What a body part costs besides its bytes (a Buffer view): tiny chunks count towards the cap by it too. */
const PART_OVERHEAD_BYTES = 128;

/** A request path as it goes on the request line: printable ASCII, no spaces (URLSearchParams output is). */
const REQUEST_PATH = /^\/[!-~]*$/;

/**
 * Whole-answer GETs to the engine (`EngineCalls.getBytes`: the container list) over Berth's own kept-alive
 * HTTP/1.1 connections. Node's HTTP client, and undici alike, spend ~0.2 ms of CPU per call around the request's
 * write and the answer's end (a request object, the agent's socket pool, a parser per request, a stream per answer);
 * on a two-core host that CPU is taken from the engine while it works, and its answer comes later (bench/README.md,
 * issue 14). Here a call is one write of the request line and an incremental read of the answer: status, then a
 * `Content-Length`, chunked or close-delimited body. A kept connection the engine closed meanwhile is dialled anew
 * once, before any of its answer arrived (a GET may be sent again). A GET unanswered within `timeoutMs` closes its
 * connection: a hung or trickling engine holds no socket past the call's own time bound.
 */
export class KeptAliveGets {
  private readonly idle: Connection[] = [];
  /** Every connection, idle or answering: closing the pool closes them all. */
  private readonly connections = new Set<Connection>();
  private readonly hostHeader: string;
  private closed = false;

  constructor(
    private readonly endpoint: RawEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.hostHeader =
      'socketPath' in endpoint ? 'docker' : `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
  }

  /** The answer's body on a 200; another status rejects as docker-modem's errors do, a lost connection with its code. */
  async get(path: string): Promise<Buffer> {
    if (!REQUEST_PATH.test(path)) throw new Error(`not a request path: ${JSON.stringify(path)}`);
    if (this.closed) throw new EngineConnectionError('the host is no longer managed', 'ECONNRESET');
    const request = `GET ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: berth\r\n\r\n`;
    const kept = this.idle.pop();
    if (!kept) return this.send(this.dial(), request);
    try {
      return await this.send(kept, request);
    } catch (error) {
      // Closed meanwhile (the host was removed or changed): nothing is sent again.
      if (!(error instanceof UnansweredError) || this.closed) throw error;
      return this.send(this.dial(), request);
    }
  }

  /** Closes every connection: a read under way fails as if the engine had closed it. */
  close(): void {
    this.closed = true;
    this.idle.length = 0;
    for (const connection of this.connections) connection.socket.destroy();
  }

  private send(connection: Connection, request: string): Promise<Buffer> {
    return connection.exchange(request, this.timeoutMs).then(
      (answer) => {
        if (answer.reusable && !this.closed && this.idle.length < IDLE_KEPT) this.keep(connection);
        else connection.socket.destroy();
        if (answer.status === 200) return answer.body;
        throw engineHttpError(answer.status, answer.body.toString('utf8', 0, MAX_ERROR_BODY_BYTES));
      },
      (error: unknown) => {
        connection.socket.destroy();
        throw error;
      },
    );
  }

  private keep(connection: Connection): void {
    // An idle connection does not keep Berth running, and one the engine closes leaves the pool (Connection.gone).
    connection.socket.unref();
    connection.gone = () => {
      const at = this.idle.indexOf(connection);
      if (at >= 0) this.idle.splice(at, 1);
    };
    this.idle.push(connection);
  }

  private dial(): Connection {
    const { endpoint } = this;
    const socket =
      'socketPath' in endpoint
        ? connect({ path: endpoint.socketPath })
        : endpoint.tls
          ? connectTls({ ...endpoint.tls, host: endpoint.host, port: endpoint.port, servername: serverName(endpoint.host) })
          : connect({ host: endpoint.host, port: endpoint.port });
    // As Node's agent: no Nagle delay, and a peer gone silent (a NAT that forgot the flow) is found by keep-alive probes.
    if (!('socketPath' in endpoint)) socket.setNoDelay(true).setKeepAlive(true, 1000);
    const connection = new Connection(socket);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
    return connection;
  }
}

/** SNI names a host, never an address (RFC 6066), as Node's https agent sends it. */
function serverName(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

/** A kept connection failed before any byte of its answer: the engine had closed it, the GET may go on a new one. */
class UnansweredError extends EngineConnectionError {}

/** One socket to the engine: its listeners stay for its life and hand what comes to the exchange under way, if any. */
class Connection {
  /** Called when an idle connection ends or fails: it leaves the pool. */
  gone?: () => void;
  private under?: { reader: AnswerReader; resolve(answer: Answer): void; reject(error: Error): void; deadline: NodeJS.Timeout };
  private used = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (bytes: Buffer) => this.read(bytes));
    // The engine ended its side: a close-delimited body is complete, anything else was cut.
    socket.on('end', () => this.ended());
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(this.lost(error.message, error.code)));
    socket.on('close', () => this.fail(this.lost('the engine closed the connection', 'ECONNRESET')));
  }

  exchange(request: string, timeoutMs: number): Promise<Answer> {
    const reused = this.used;
    this.used = true;
    this.gone = undefined;
    this.socket.ref();
    return new Promise((resolve, reject) => {
      const late = () => this.fail(new EngineConnectionError(`no answer within ${timeoutMs} ms`, undefined, 'TimeoutError'));
      this.under = { reader: new AnswerReader(reused), resolve, reject, deadline: setTimeout(late, timeoutMs) };
      this.socket.write(request);
    });
  }

  private read(bytes: Buffer): void {
    if (!this.under) return void this.socket.destroy();
    try {
      this.finish(this.under.reader.feed(bytes));
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private ended(): void {
    if (!this.under) return;
    if (this.under.reader.unanswered) return this.fail(this.lost('the engine closed the connection', 'ECONNRESET'));
    try {
      this.finish(this.under.reader.end());
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private finish(answer: Answer | undefined): void {
    const under = this.under;
    if (!under || !answer) return;
    this.under = undefined;
    clearTimeout(under.deadline);
    under.resolve(answer);
  }

  private fail(error: Error): void {
    const under = this.under;
    this.under = undefined;
    this.socket.destroy();
    if (!under) return this.gone?.();
    clearTimeout(under.deadline);
    under.reject(error);
  }

  private lost(message: string, code: string | undefined): Error {
    const unanswered = this.under?.reader.unanswered ?? false;
    return unanswered ? new UnansweredError(message, code) : new EngineConnectionError(message, code);
  }
}

export interface Answer {
  status: number;
  body: Buffer;
  /** The connection may carry the next request: HTTP/1.1 without `Connection: close`, nothing read past the answer. */
  reusable: boolean;
}

/** How the answer's body ends (RFC 9112 §6.3). */
type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * Reads one HTTP/1.1 answer to a GET from the bytes as they come. Its head is at most 64 KB; 1xx answers are
 * skipped; the body is framed by `Content-Length`, chunked transfer coding (extensions and trailers skipped), or
 * the connection's end. Bytes past the answer leave the connection unusable (nothing was asked for them).
 */
export class AnswerReader {
  private pending: Buffer = Buffer.alloc(0);
  private status = 0;
  private reusable = true;
  private framing?: Framing;
  /** In a chunked body: bytes of the current chunk still to come, then its CRLF; -1 between chunks; undefined in the trailer. */
  private chunkLeft?: number = -1;
  private readonly parts: Buffer[] = [];
  private bodyBytes = 0;
  private anyByte = false;

  /** `kept`: the request went on a connection kept from an earlier answer (see KeptAliveGets). */
  constructor(private readonly kept = false) {}

  /** No byte of the answer came on a kept connection: the engine had closed it before reading the request. */
  get unanswered(): boolean {
    return this.kept && !this.anyByte;
  }

  /** Takes the next bytes; the answer once they complete it. Throws on what is not an HTTP answer. */
  feed(bytes: Buffer): Answer | undefined {
    this.anyByte = true;
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    while (this.framing === undefined) {
      const end = this.pending.indexOf('\r\n\r\n');
      if (end < 0 ? this.pending.length > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES) throw protocolError('answer head too long');
      if (end < 0) return undefined;
      const head = this.pending.toString('latin1', 0, end);
      this.pending = this.pending.subarray(end + 4);
      this.readHead(head);
    }
    return this.readBody();
  }

  /** The connection ended: the answer, if its body runs to the end; otherwise it was cut. */
  end(): Answer {
    if (this.framing?.kind !== 'close') {
      throw new EngineConnectionError(this.anyByte ? 'the engine cut its answer short' : 'the engine closed the connection', 'ECONNRESET');
    }
    return this.answer(false);
  }

  private readHead(head: string): void {
    const [statusLine, ...fields] = head.split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(statusLine);
    if (!status) throw protocolError('not an HTTP/1.x answer');
    const code = Number(status[2]);
    if (code >= 100 && code < 200) {
      if (code === 101) throw protocolError('the engine switched protocols');
      return; // 100 Continue, 103 Early Hints: the answer follows
    }
    this.status = code;
    this.reusable = status[1] === '1';
    let length: number | undefined;
    let chunked = false;
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon <= 0) throw protocolError('malformed header field');
      const name = field.slice(0, colon).trim().toLowerCase();
      const value = field
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) throw protocolError('bad Content-Length');
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        // The engine (Go's net/http) codes nothing but chunked; a compressed body was never asked for.
        if (value !== 'chunked') throw protocolError(`unsupported Transfer-Encoding ${value}`);
        chunked = true;
      } else if (name === 'connection' && value.split(',').some((option) => option.trim() === 'close')) {
        this.reusable = false;
      }
    }
    if (chunked && length !== undefined) throw protocolError('both Transfer-Encoding and Content-Length');
    if (code === 204 || code === 304) this.framing = { kind: 'length', left: 0 };
    else if (chunked) this.framing = { kind: 'chunked' };
    else if (length !== undefined) this.framing = { kind: 'length', left: length };
    else {
      this.framing = { kind: 'close' };
      this.reusable = false;
    }
  }

  private readBody(): Answer | undefined {
    const framing = this.framing!;
    if (framing.kind === 'close') {
      // Up to the connection's end (AnswerReader.end).
      if (this.pending.length) this.take(this.pending);
      this.pending = Buffer.alloc(0);
      return undefined;
    }
    if (framing.kind === 'length') {
      const taken = this.pending.subarray(0, framing.left);
      if (taken.length) this.take(taken);
      framing.left -= taken.length;
      this.pending = this.pending.subarray(taken.length);
      return framing.left === 0 ? this.answer(this.pending.length === 0) : undefined;
    }
    return this.readChunks();
  }

  private readChunks(): Answer | undefined {
    for (;;) {
      if (this.chunkLeft === undefined) {
        // The trailer: header lines up to an empty one.
        const line = this.line();
        if (line === undefined) return undefined;
        if (line === '') return this.answer(this.pending.length === 0);
        continue;
      }
      if (this.chunkLeft < 0) {
        const line = this.line();
        if (line === undefined) return undefined;
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw protocolError('bad chunk size');
        const bytes = parseInt(size[1], 16);
        this.chunkLeft = bytes === 0 ? undefined : bytes;
        continue;
      }
      if (this.pending.length < this.chunkLeft + 2) {
        // Most of a chunk may wait for its next read: take what came, keep the rest of the count.
        const taken = Math.min(this.pending.length, this.chunkLeft);
        if (taken) this.take(this.pending.subarray(0, taken));
        this.chunkLeft -= taken;
        this.pending = this.pending.subarray(taken);
        if (this.chunkLeft > 0 || this.pending.length < 2) return undefined;
      }
      const data = this.pending.subarray(0, this.chunkLeft);
      if (this.pending[this.chunkLeft] !== 0x0d || this.pending[this.chunkLeft + 1] !== 0x0a) throw protocolError('chunk without its CRLF');
      if (data.length) this.take(data);
      this.pending = this.pending.subarray(this.chunkLeft + 2);
      this.chunkLeft = -1;
    }
  }

  private take(part: Buffer): void {
    this.bodyBytes += part.length + PART_OVERHEAD_BYTES;
    if (this.bodyBytes > MAX_BODY_BYTES) throw protocolError('answer too large');
    this.parts.push(part);
  }

  /** The next CRLF-ended line of `pending`, taken; undefined until it is complete. */
  private line(): string | undefined {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) {
      if (this.pending.length > MAX_LINE_BYTES) throw protocolError('chunk line too long');
      return undefined;
    }
    const line = this.pending.toString('latin1', 0, end);
    this.pending = this.pending.subarray(end + 2);
    return line;
  }

  private answer(nothingPast: boolean): Answer {
    const body = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    return { status: this.status, body, reusable: this.reusable && nothingPast };
  }
}

function protocolError(why: string): EngineConnectionError {
  return new EngineConnectionError(`the engine's answer is not HTTP: ${why}`, 'EPROTO');
}
