import { mkdtempSync } from 'node:fs';
import { Server, Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The engine the harness uses: DOCKER_HOST, read as Berth reads it (src/config), a unix socket or plain TCP. */
export function engineAddress(): { path: string } | { host: string; port: number } {
  const url = new URL(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
  if (url.protocol === 'unix:') return { path: url.pathname };
  if (url.protocol === 'tcp:' || url.protocol === 'http:') return { host: url.hostname, port: Number(url.port || 2375) };
  throw new Error(`DOCKER_HOST ${url.href} is neither unix:// nor tcp://`);
}

/**
 * A unix socket in front of the real engine that the test can cut or make hang: the engine
 * goes away and comes back while Berth keeps running, without stopping the machine's dockerd;
 * it counts the bytes the engine sent through it (what Berth has pulled from the engine).
 */
export class EngineLink {
  readonly path = join(mkdtempSync(join(tmpdir(), 'berth-link-')), 'docker.sock');
  mode: 'pass' | 'hang' = 'pass';
  fromEngine = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  async up(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.mode === 'hang') return; // accept, never answer
      const engine = connect(engineAddress());
      engine.on('error', () => client.destroy());
      engine.on('data', (chunk: Buffer) => (this.fromEngine += chunk.length));
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
