// One object for a bot: the generated REST client and the stream helpers, with the same URL and credentials.
import { type Client, createClient, createConfig } from './generated/client/index.js';
import { type EventsQuery, type LogsQuery, type StatsQuery, events, jobEvents, logs, stats } from './streams/channels.js';
import { type ExecQuery, exec } from './streams/exec.js';
import type { StreamConnection } from './streams/socket.js';

export type BerthOptions = StreamConnection;

export interface Berth {
  /** For the generated functions: `listContainers({ client: berth.client, path: { host: 'local' } })`. */
  client: Client;
  logs(query: LogsQuery): ReturnType<typeof logs>;
  exec(query: ExecQuery): ReturnType<typeof exec>;
  events(query?: EventsQuery): ReturnType<typeof events>;
  stats(query: StatsQuery): ReturnType<typeof stats>;
  jobEvents(id: string): ReturnType<typeof jobEvents>;
}

export function createBerth(options: BerthOptions): Berth {
  const client = createClient(createConfig({ baseUrl: options.baseUrl, auth: options.token, fetch: options.fetch }));
  return {
    client,
    logs: (query) => logs(options, query),
    exec: (query) => exec(options, query),
    events: (query) => events(options, query),
    stats: (query) => stats(options, query),
    jobEvents: (id) => jobEvents(options, id),
  };
}
