# syntax=docker/dockerfile:1
# Berth: build stage compiles TypeScript and better-sqlite3 (from source, so no prebuilt
# binary download is needed), runtime stage carries only what runs. Node 24 LTS (Node 20 is
# end-of-life), pinned to 24.18.1 in both stages: better-sqlite3 12 (raw node::ObjectWrap) built
# against 24.19+ headers aborts when a statement is collected (RemoveEnvironmentCleanupHook:
# (env) != nullptr; nodejs/node#65446); better-sqlite3 13 (Node-API) lifts the pin.

FROM node:24.18.1-bookworm AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Compile native addons here instead of fetching prebuilt binaries.
ENV npm_config_build_from_source=true
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY scripts/bundle.mjs scripts/swagger-noop.mjs ./scripts/
COPY openapi ./openapi
RUN npm run build && npm prune --omit=dev

FROM node:24.18.1-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    BERTH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/openapi ./openapi
RUN mkdir -p /data && chown node:node /data
# The socket's group is the host's; compose adds it with group_add (DOCKER_GID).
USER node
VOLUME ["/data"]
EXPOSE 8080
# Healthy means ready: the database and the engine answer (a socket Berth may not open is unhealthy, not "up").
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
