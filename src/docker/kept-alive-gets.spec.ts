import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineConnectionError, translateEngineError } from './engine-errors.js';
import { AnswerReader, KeptAliveGets } from './kept-alive-gets.js';

const TIMEOUT_MS = 5_000;
const LIST = '[{"Id":"c1","Names":["/web"]},{"Id":"c2","Names":["/db"]}]';

/** An answer as the engine's Go server writes a list: chunked, one chunk for the JSON, then the last chunk. */
function chunked(body: string, status = '200 OK', extra = ''): string {
  return `HTTP/1.1 ${status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n${extra}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

function readAll(reader: AnswerReader, text: string, cuts: number[] = []) {
  const bytes = Buffer.from(text);
  const answers = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    answers.push(reader.feed(bytes.subarray(at, cut)));
    at = cut;
  }
  return answers;
}

describe('AnswerReader', () => {
  it('reads a chunked answer in one read, keeping the connection', () => {
    const [answer] = readAll(new AnswerReader(), chunked(LIST));
    expect(answer).toMatchObject({ status: 200, reusable: true });
    expect(answer!.body.toString()).toBe(LIST);
  });

  it('reads it split at any byte, answering only with its last one', () => {
    const body = LIST.slice(0, 20);
    const text = chunked(body, '200 OK', 'X-Padding: a\r\n');
    const many = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${body.slice(0, 5)}\r\nf;name=value\r\n${body.slice(5)}\r\n0\r\nTrailer: x\r\n\r\n`;
    for (const sample of [text, many]) {
      for (let cut = 1; cut < sample.length; cut++) {
        const answers = readAll(new AnswerReader(), sample, [cut]);
        expect(answers[0]).toBeUndefined();
        expect(answers[1]?.body.toString()).toBe(body);
      }
      const bytewise = readAll(
        new AnswerReader(),
        sample,
        Array.from({ length: sample.length - 1 }, (_, i) => i + 1),
      );
      expect(bytewise.slice(0, -1).every((answer) => answer === undefined)).toBe(true);
      expect(bytewise.at(-1)).toMatchObject({ status: 200, reusable: true });
      expect(bytewise.at(-1)!.body.toString()).toBe(body);
    }
  });

  it('reads a Content-Length body, an empty 204 and a 304, and skips a 100 Continue', () => {
    const [sized] = readAll(new AnswerReader(), 'HTTP/1.1 404 Not Found\r\nContent-Length: 29\r\n\r\n{"message":"No such network"}');
    expect(sized).toMatchObject({ status: 404, reusable: true });
    expect(sized!.body.toString()).toBe('{"message":"No such network"}');
    expect(readAll(new AnswerReader(), 'HTTP/1.1 204 No Content\r\n\r\n')[0]).toMatchObject({ status: 204, reusable: true });
    expect(readAll(new AnswerReader(), 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')[0]).toMatchObject({ status: 304 });
    const [afterContinue] = readAll(new AnswerReader(), 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]');
    expect(afterContinue).toMatchObject({ status: 200 });
    expect(afterContinue!.body.toString()).toBe('[]');
  });

  it('does not keep a connection the answer closes, one from HTTP/1.0, or one with bytes past the answer', () => {
    expect(readAll(new AnswerReader(), chunked(LIST, '200 OK', 'Connection: close\r\n'))[0]?.reusable).toBe(false);
    expect(readAll(new AnswerReader(), 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n[]')[0]?.reusable).toBe(false);
    expect(readAll(new AnswerReader(), `${chunked(LIST)}HTTP/1.1 200 OK\r\n`)[0]?.reusable).toBe(false);
    expect(readAll(new AnswerReader(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]x')[0]?.reusable).toBe(false);
  });

  it('reads a body without a length up to the end of the connection', () => {
    const reader = new AnswerReader();
    expect(readAll(reader, 'HTTP/1.1 200 OK\r\n\r\n[1,', [19, 21])).toEqual([undefined, undefined, undefined]);
    expect(reader.feed(Buffer.from('2]'))).toBeUndefined();
    expect(reader.end()).toMatchObject({ status: 200, reusable: false });
  });

  it('refuses what is not an HTTP answer, and an answer cut short', () => {
    const refused = (text: string) => () => readAll(new AnswerReader(), text);
    expect(refused('SSH-2.0-OpenSSH_9.2\r\n\r\n')).toThrow(/not an HTTP\/1.x answer/);
    expect(refused('HTTP/1.1 101 Switching Protocols\r\n\r\n')).toThrow(/switched protocols/);
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/bad chunk size/);
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]xx')).toThrow(/CRLF/);
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')).toThrow(/Transfer-Encoding/);
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n')).toThrow(/both/);
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n')).toThrow(/Content-Length/);
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toThrow(/Content-Length/);
    expect(refused('HTTP/1.1 200 OK\r\nno colon\r\n\r\n')).toThrow(/header field/);
    expect(refused(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`)).toThrow(/head too long/);
    expect(refused(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(5000)}`)).toThrow(/line too long/);

    const huge = new AnswerReader();
    huge.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const chunk = Buffer.concat([Buffer.from('800000\r\n'), Buffer.alloc(0x800000, 0x20), Buffer.from('\r\n')]);
    for (let i = 0; i < 7; i++) huge.feed(chunk);
    expect(() => huge.feed(chunk)).toThrow(/too large/);

    const cut = new AnswerReader();
    readAll(cut, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[1,');
    expect(() => cut.end()).toThrow(/cut its answer short/);
    expect(() => new AnswerReader().end()).toThrow(EngineConnectionError);
  });
});

interface FakeEngine {
  socketPath: string;
  /** Request heads, in order, with the number of the connection each came on. */
  requests: Array<{ connection: number; head: string }>;
  connections: Socket[];
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/**
 * A fake engine on a unix socket that keeps connections alive: `answer` gets each request (its head) and the
 * connection, and writes what it likes (nothing: the connection hangs, or it may close it).
 */
async function fakeEngine(answer: (head: string, socket: Socket, index: number) => void): Promise<FakeEngine> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'berth-gets-')), 'engine.sock');
  const engine: FakeEngine = { socketPath, requests: [], connections: [] };
  server = createServer((socket) => {
    const connection = engine.connections.push(socket) - 1;
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        engine.requests.push({ connection, head });
        answer(head, socket, engine.requests.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  return engine;
}

describe('KeptAliveGets', () => {
  it('sends its GETs one after another on one kept connection', async () => {
    const engine = await fakeEngine((_, socket) => socket.write(chunked(LIST)));
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    const path = '/containers/json?all=true&filters=%7B%7D';
    for (let i = 0; i < 3; i++) expect((await gets.get(path)).toString()).toBe(LIST);
    expect(engine.requests.map(({ connection }) => connection)).toEqual([0, 0, 0]);
    expect(engine.requests[0].head).toBe(`GET ${path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth`);
    gets.close();
  });

  it('opens a connection per concurrent GET and keeps them for the next ones', async () => {
    const engine = await fakeEngine((_, socket) => setTimeout(() => socket.write(chunked(LIST)), 5));
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await Promise.all([gets.get('/a'), gets.get('/b'), gets.get('/c')]);
    await Promise.all([gets.get('/a'), gets.get('/b'), gets.get('/c')]);
    expect(engine.connections).toHaveLength(3);
    gets.close();
  });

  it("rejects another status with the engine's words, as dockerode's errors read", async () => {
    const engine = await fakeEngine((_, socket) =>
      socket.write(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 44\r\n\r\n{"message":"invalid filter \'colour=red\'"}\n\r\n',
      ),
    );
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    const error = await gets.get('/containers/json').catch((thrown: unknown) => thrown);
    expect(translateEngineError('local', error)).toMatchObject({ code: 'ENGINE_REJECTED', detail: "invalid filter 'colour=red'" });
    gets.close();
  });

  it("keeps the first 64 KiB of an error answer's body, as the raw reads do", async () => {
    const body = 'x'.repeat(200 * 1024);
    const engine = await fakeEngine((_, socket) =>
      socket.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    const error = (await gets.get('/containers/json').catch((thrown: unknown) => thrown)) as { message: string };
    expect(error.message).toBe(`(HTTP code 500) ${body.slice(0, 64 * 1024)}`);
    gets.close();
  });

  it('dials anew, once, when the engine closed a kept connection before answering', async () => {
    // The engine forgets the connection as the second request arrives (a restart, an idle timeout).
    const engine = await fakeEngine((_, socket, index) => (index === 1 ? socket.destroy() : socket.write(chunked(LIST))));
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await gets.get('/containers/json');
    expect((await gets.get('/containers/json')).toString()).toBe(LIST);
    expect(engine.requests.map(({ connection }) => connection)).toEqual([0, 0, 1]);
    gets.close();
  });

  it('drops a kept connection the engine closes while idle, and one that speaks unasked', async () => {
    const engine = await fakeEngine((_, socket, index) => {
      socket.write(chunked(LIST));
      if (index === 0) socket.end();
      if (index === 1) setTimeout(() => socket.write('HTTP/1.1 200 OK\r\n'), 5);
    });
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await gets.get('/one');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gets.get('/two');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gets.get('/three');
    expect(engine.requests.map(({ connection }) => connection)).toEqual([0, 1, 2]);
    gets.close();
  });

  it('does not send again when a fresh connection fails, or once part of the answer came', async () => {
    const fresh = await fakeEngine((_, socket) => socket.destroy());
    const gets = new KeptAliveGets({ socketPath: fresh.socketPath }, TIMEOUT_MS);
    const error = await gets.get('/containers/json').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EngineConnectionError);
    expect(translateEngineError('local', error).getStatus()).toBe(503);
    expect(fresh.requests).toHaveLength(1);
    server!.close();

    const halfway = await fakeEngine((_, socket, index) =>
      index === 0 ? socket.write(chunked(LIST)) : (socket.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n[{'), socket.destroy()),
    );
    const again = new KeptAliveGets({ socketPath: halfway.socketPath }, TIMEOUT_MS);
    await again.get('/containers/json');
    await expect(again.get('/containers/json')).rejects.toThrow(EngineConnectionError);
    expect(halfway.requests).toHaveLength(2);
    again.close();
  });

  it('does not send again once closed, when closing cut a kept connection', async () => {
    const engine = await fakeEngine((_, socket, index) => (index === 0 ? socket.write(chunked(LIST)) : undefined));
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await gets.get('/a');
    const hanging = gets.get('/b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    gets.close();
    await expect(hanging).rejects.toThrow(EngineConnectionError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(engine.requests).toHaveLength(2);
  });

  it('closes the connection of a GET unanswered in time, as timed out', async () => {
    const engine = await fakeEngine(() => undefined);
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, 50);
    const closed = new Promise(
      (resolve) => engine.connections.length || server!.once('connection', (socket: Socket) => socket.once('close', resolve)),
    );
    const error = await gets.get('/containers/json').catch((thrown: unknown) => thrown);
    expect(translateEngineError('local', error)).toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      detail: expect.stringContaining('timed out'),
    });
    await closed;
  });

  it('fails as the new connection does when sending again cannot connect', async () => {
    const engine = await fakeEngine((_, socket, index) => {
      if (index === 0) return void socket.write(chunked(LIST));
      server!.close();
      socket.destroy();
    });
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await gets.get('/a');
    const error = await gets.get('/b').catch((thrown: unknown) => thrown);
    expect(translateEngineError('local', error)).toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      detail: expect.stringMatching(/ENOENT|ECONNREFUSED/),
    });
    expect(engine.requests).toHaveLength(2);
  });

  it('answers 503 with the socket error when the engine is not there', async () => {
    const gets = new KeptAliveGets({ socketPath: join(mkdtempSync(join(tmpdir(), 'berth-gets-')), 'absent.sock') }, TIMEOUT_MS);
    const error = await gets.get('/containers/json').catch((thrown: unknown) => thrown);
    expect(translateEngineError('local', error)).toMatchObject({ code: 'ENGINE_UNAVAILABLE', detail: expect.stringContaining('ENOENT') });
  });

  it('does not keep a connection its answer closes', async () => {
    const engine = await fakeEngine((_, socket) => socket.write(chunked(LIST, '200 OK', 'Connection: close\r\n')));
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    await gets.get('/a');
    await gets.get('/b');
    expect(engine.requests.map(({ connection }) => connection)).toEqual([0, 1]);
    gets.close();
  });

  it('fails a GET under way when closed, and sends none after', async () => {
    const engine = await fakeEngine(() => undefined);
    const gets = new KeptAliveGets({ socketPath: engine.socketPath }, TIMEOUT_MS);
    const hanging = gets.get('/containers/json');
    await new Promise((resolve) => setTimeout(resolve, 20));
    gets.close();
    await expect(hanging).rejects.toThrow(EngineConnectionError);
    await expect(gets.get('/containers/json')).rejects.toThrow(/no longer managed/);
    expect(engine.requests).toHaveLength(1);
  });

  it('refuses a path that would not be one request line', async () => {
    const gets = new KeptAliveGets({ socketPath: '/nonexistent.sock' }, TIMEOUT_MS);
    for (const path of ['/containers/json?x=a b', '/x\r\nHost: evil', 'containers/json', '/é']) {
      await expect(gets.get(path)).rejects.toThrow(/not a request path/);
    }
  });
});
