/**
 * Unary gRPC calls to one executor address over grpc-js's unary call: the `grpc-js` executor
 * transport (executor-transport.ts), with the same call and answer shapes as UnaryChannel so that
 * DeploymentClient, its retry rule and its callers cannot tell them apart. Every channel option
 * grpc-js knows applies (`--grpc-channel-options`); deadlines, compression, keepalive, message
 * limits, TLS and status mapping are grpc-js's own.
 */
import { Client, type ChannelOptions, credentials as grpcCredentials, Metadata, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import type { HeaderFields } from '../http2/client-session.js';
import { GrpcCallError, type UnaryCallOptions, type UnaryResponse } from './unary-channel.js';

export interface GrpcJsUnaryChannelOptions {
  /** host:port */
  target: string;
  tls: boolean;
  /** Root certificates for TLS (else the system's). */
  rootCerts?: Buffer | undefined;
  /** grpc-js channel options (Jina's defaults, --grpc-channel-options, compression). */
  channelOptions: ChannelOptions;
  /** Sent with every call, as HTTP/2 header fields (lower-case names; `-bin` names carry base64). */
  headers?: Record<string, string> | undefined;
}

const identity = (value: Buffer): Buffer => value;

export class GrpcJsUnaryChannel {
  private readonly client: Client;
  private closed = false;

  constructor(private readonly options: GrpcJsUnaryChannelOptions) {
    const creds = options.tls ? grpcCredentials.createSsl(options.rootCerts ?? null) : grpcCredentials.createInsecure();
    // its own connection, not one from grpc-js's process-wide pool: DeploymentClient drops a channel
    // whose call failed so that the next try connects at once, and a pooled connection in
    // reconnect backoff would fail that try too
    this.client = new Client(options.target, creds, { 'grpc.use_local_subchannel_pool': 1, ...options.channelOptions });
  }

  /** Calls `path` with one serialized message; resolves with the one response message and the trailers. */
  call(path: string, request: Buffer, options: UnaryCallOptions = {}): Promise<UnaryResponse> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'channel closed'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new GrpcCallError(GrpcStatus.CANCELLED, 'Cancelled on client'));
    let metadata: Metadata;
    try {
      metadata = metadataOf(this.options.headers, options.headers);
    } catch (error) {
      // a name or value gRPC metadata cannot carry fails the call, as the own client does
      return Promise.reject(new GrpcCallError(GrpcStatus.INTERNAL, (error as Error).message));
    }
    const timeoutMs = options.timeoutMs ?? undefined;
    const callOptions = timeoutMs === undefined ? {} : { deadline: Date.now() + Math.max(0, timeoutMs) };
    return new Promise<UnaryResponse>((resolve, reject) => {
      let message: Buffer | undefined;
      const onAbort = () => call.cancel();
      // grpc-js calls back first, then emits 'status' with the trailers, in the same tick
      const call = this.client.makeUnaryRequest(path, identity, identity, request, metadata, callOptions, (error: ServiceError | null, response?: Buffer) => {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(new GrpcCallError(error.code, error.details, error.metadata));
        else message = response;
      });
      call.on('status', (status) => {
        if (message === undefined) return; // rejected above
        resolve({ message, trailers: trailersOf(status.code, status.metadata) });
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }
}

/** The channel's and the call's header fields (the call's win) as grpc-js Metadata. */
function metadataOf(base: Record<string, string> | undefined, extra: Record<string, string> | undefined): Metadata {
  const fields = { ...base, ...extra };
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(fields)) {
    if (name.endsWith('-bin')) metadata.set(name, Buffer.from(value, 'base64'));
    else metadata.set(name, value);
  }
  return metadata;
}

/** Trailing metadata as the own client reports trailers: header fields, `-bin` values base64, with `grpc-status`. */
function trailersOf(code: GrpcStatus, metadata: Metadata): HeaderFields {
  const trailers: HeaderFields = { 'grpc-status': String(code) };
  for (const [name, value] of Object.entries(metadata.toHttp2Headers())) {
    if (value === undefined) continue;
    // one value as a string, repeated ones as a list, as the own client reads header blocks
    trailers[name] = Array.isArray(value) ? (value.length === 1 ? String(value[0]) : value.map(String)) : String(value);
  }
  return trailers;
}
