// A bot in 20 lines: restarts the unhealthy containers, then follows one container's logs.
// BERTH_URL=http://127.0.0.1:8080 BERTH_API_KEY=berth_... BERTH_FOLLOW=web node bot.js
import { WebSocket } from 'ws'; // Node 20 only: browsers and Node 22+ have a WebSocket of their own
import { createBerth, listContainers, restartContainer } from '../src/index.js'; // from '@berth/client' outside this repository

const berth = createBerth({ baseUrl: process.env.BERTH_URL ?? 'http://127.0.0.1:8080', token: process.env.BERTH_API_KEY ?? '', WebSocket });
const host = 'local';

const { data: unhealthy } = await listContainers({
  client: berth.client,
  path: { host },
  query: { health: 'unhealthy' },
  throwOnError: true,
});
for (const container of unhealthy.items) {
  console.log(`restarting ${container.name} (${container.status})`);
  await restartContainer({ client: berth.client, path: { host, id: container.id }, query: { timeout: 10 }, throwOnError: true });
}

if (process.env.BERTH_FOLLOW) {
  for await (const { ts, stream, line } of berth.logs({ container: process.env.BERTH_FOLLOW, tail: 10, timestamps: true })) {
    console.log(`${ts} ${stream === 'stderr' ? '!' : ' '} ${line}`);
  }
}
