/**
 * What every built-in protocol front (HTTP, gRPC, WebSocket) takes and gives back, so the gateway
 * runtime can start several at once (`--protocol grpc http websocket --port a b c`) and drain them
 * on shutdown the same way. Each protocol lives in its own folder with a `start*Gateway` function.
 */
import type { ServerOptions as GrpcServerOptions } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { GatewayStreamer } from '../streamer/gateway-streamer.js';
import type { Authenticator } from './auth/authenticator.js';
import type { ClientMetadataForwarding } from './client-metadata.js';

export type GatewayProtocol = 'grpc' | 'http' | 'websocket';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ProtocolServerOptions {
  streamer: GatewayStreamer;
  /** Bind address (Jina's default 0.0.0.0). */
  host: string;
  /** 0: any free port (see `ProtocolServer.port`). */
  port: number;
  logger: Logger;
  /** --ssl-certfile / --ssl-keyfile: TLS for this protocol. */
  tls?: TlsFiles | undefined;
  /** --prefetch: requests in flight per client stream (gRPC Call, WebSocket); 0 = unlimited. */
  prefetch: number;
  /** --cors (HTTP, WebSocket's HTTP routes). */
  cors?: boolean | undefined;
  /** --title / --description of the OpenAPI document. */
  title?: string | undefined;
  description?: string | undefined;
  /** --grpc-server-options, merged over Jina's defaults (gRPC). */
  grpcServerOptions?: GrpcServerOptions | undefined;
  /** Largest request body or frame accepted, in bytes. */
  bodyLimit?: number | undefined;
  /** Inbound auth (the gateway's `authorize()`, e.g. --auth-token-env's bearer token); undefined: none. */
  auth?: Authenticator | undefined;
  /** --forward-metadata: the client headers / metadata sent on to executors; undefined: none. */
  forwardMetadata?: ClientMetadataForwarding | undefined;
}

export interface ProtocolServer {
  readonly protocol: GatewayProtocol;
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting, answers every request in flight (up to graceMs), then closes. */
  shutdown(graceMs?: number): Promise<void>;
}
