// The floors Berth's list is measured against (bench/containers-list.mjs --floors): two proxies in front of the
// engine's socket that do nothing else, each a process of its own on 127.0.0.1. Prints {"port":N} once it listens.
//
//   node bench/floor-proxy.mjs bytes [socket]  every client connection piped to an engine connection of its own:
//                                               the extra hop alone (the client sends the engine's own request)
//   node bench/floor-proxy.mjs http [socket]   Node's HTTP server; each GET's query sent to the engine's
//                                               /containers/json on one kept connection, the chunked answer's
//                                               body sent back whole: what any Node HTTP front costs (one
//                                               request at a time, for c=1)
import http from 'node:http';
import net from 'node:net';

const [mode, socket = '/var/run/docker.sock'] = process.argv.slice(2);
const listening = (server) => server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));

if (mode === 'bytes') {
  listening(
    net.createServer((client) => {
      client.setNoDelay(true);
      const engine = net.connect(socket);
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
      client.on('close', () => engine.destroy());
    }),
  );
} else if (mode === 'http') {
  const engine = net.connect(socket);
  let received = Buffer.alloc(0);
  let answer;
  // The body of a complete chunked answer at the start of `received`, which is then dropped; undefined until all came.
  const chunkedBody = () => {
    let at = received.indexOf('\r\n\r\n') + 4;
    if (at < 4) return undefined;
    const parts = [];
    for (;;) {
      const lineEnd = received.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(received.toString('latin1', at, lineEnd), 16);
      if (received.length < lineEnd + 4 + size) return undefined;
      if (size === 0) {
        received = received.subarray(lineEnd + 4);
        return Buffer.concat(parts);
      }
      parts.push(received.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 4 + size;
    }
  };
  engine.on('data', (bytes) => {
    received = Buffer.concat([received, bytes]);
    const body = answer && chunkedBody();
    if (!body) return;
    const send = answer;
    answer = undefined;
    send(body);
  });
  listening(
    http.createServer((request, response) => {
      const at = request.url.indexOf('?');
      const query = at < 0 ? '' : request.url.slice(at);
      answer = (body) => response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      engine.write(`GET /v1.41/containers/json${query} HTTP/1.1\r\nHost: docker\r\nUser-Agent: floor\r\n\r\n`);
    }),
  );
} else {
  console.error('usage: node bench/floor-proxy.mjs bytes|http [engine socket]');
  process.exit(2);
}
