// @berth/client: the REST API (generated from openapi/openapi.json) and typed helpers for its WebSocket streams.
export * from './generated/index.js';
export { client } from './generated/client.gen.js';
export { type Client, createClient, createConfig } from './generated/client/index.js';
export * from './berth.js';
export * from './streams/channels.js';
export * from './streams/errors.js';
export * from './streams/exec.js';
export { type StreamConnection, type WebSocketConstructor, type WebSocketLike, streamUrl } from './streams/socket.js';
