/**
 * The built-in WebSocket gateway: Jina's WebSocket API in front of the Flow (WebSocket `/` with
 * the `bytes` subprotocol, WebSocket `/dry_run`, `GET /`, `GET /status`, `GET /dry_run`).
 *
 * - `startWebSocketGateway(options)`: a listening server (`ProtocolServer`), serving the Flow once
 *   endpoint discovery of every deployment succeeded (see `ready`).
 */
export { BYTES_SUBPROTOCOL, startWebSocketGateway, type WebSocketGateway, type WebSocketGatewayOptions } from './websocket-gateway.js';
