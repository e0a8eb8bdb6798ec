import { mkdtempSync } from 'node:fs';
import { Server, Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from './engine.js';

/** The engine the harness uses (DOCKER_HOST, as dockerode reads it): a unix socket or a plain TCP address. */
export function engineAddress(): { path: string } | { host: string; port: number } {
  // The modem keeps what it parsed from DOCKER_HOST; its typings declare it on the constructor options only.
  const { socketPath, host, port } = docker.modem as unknown as { socketPath?: unknown; host?: string; port?: number | string };
  if (typeof socketPath === 'string') return { path: socketPath };
  if (host && port) return { host, port: Number(port) };
  throw new Error('DOCKER_HOST names neither a unix socket nor a host and port');
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
