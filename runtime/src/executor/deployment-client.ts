/**
 * Calls to one deployment (one or more replica addresses), with Jina's retry rule:
 * round-robin over replicas, a retry goes to the next address not yet tried, and the number of
 * tries is `retries + 1`, or `max(3, replicas) + 1` when retries < 0 (the default).
 *
 * Requests and responses travel as raw bytes (identity serializers): the caller decides what
 * to decode, so forwarding never pays for a DocListProto decode. Unary calls (the data path:
 * process_single_data, process_data; discovery, status, health) go over our own HTTP/2 channel
 * (unary-channel.ts, a fraction of grpc-js's CPU per call), and so does stream_doc (a server
 * stream on the same channel: per token, grpc-js's stream machinery was the gateway's largest
 * cost); Call (bidirectional, for peers without the unary services) over grpc-js.
 * `transport: 'grpc-js'` (--executor-transport) sends the unary calls and stream_doc over grpc-js
 * too (grpc-js-unary-channel.ts), with the same semantics: the way out of a bug in our client.
 */
import {
  Client,
  type ChannelOptions,
  type ClientReadableStream,
  credentials as grpcCredentials,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { Empty } from '../wire/gen/google/protobuf/empty.pb.js';
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
} from '../wire/gen/grpc/health/v1/health.pb.js';
import { EndpointsProto, JinaInfoProto } from '../wire/gen/jina/jina.pb.js';
import { appendLengthDelimited } from '../wire/length-delimited.js';
import { type ExecutorAddress, parseExecutorAddress } from './address.js';
import { ExecutorNetworkError, ExecutorProtocolError } from './errors.js';
import type { ExecutorTransport } from './executor-transport.js';
import { forwardedMetadata } from './forwarded-metadata.js';
import { channelOptions } from './grpc-options.js';
import { GrpcJsUnaryChannel } from './grpc-js-unary-channel.js';
import { UnaryChannel } from './unary-channel.js';

export const JINA_PATHS = {
  processSingleData: '/jina.JinaSingleDataRequestRPC/process_single_data',
  processData: '/jina.JinaDataRequestRPC/process_data',
  call: '/jina.JinaRPC/Call',
  streamDoc: '/jina.JinaSingleDocumentRequestRPC/stream_doc',
  endpointDiscovery: '/jina.JinaDiscoverEndpointsRPC/endpoint_discovery',
  status: '/jina.JinaInfoRPC/_status',
  healthCheck: '/grpc.health.v1.Health/Check',
} as const;

/** gRPC codes Jina retries on another (or the same) replica. */
const RETRIED = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.NOT_FOUND,
  // Jina resets the connection and tries again on these too (a server shutting down cancels).
  GrpcStatus.CANCELLED,
  GrpcStatus.UNKNOWN,
  GrpcStatus.INTERNAL,
]);

const identity = (value: Buffer): Buffer => value;

/**
 * The `endpoint` metadata value, if it can be one: gRPC metadata values are printable ASCII, so
 * an endpoint named otherwise travels only in the request header (exec_endpoint), which is what
 * the executor routes by.
 */
function sendableEndpoint(endpoint: string | undefined): string | undefined {
  return endpoint && /^[\x20-\x7e]*$/.test(endpoint) ? endpoint : undefined;
}

function isErrorTrailer(value: string | string[] | undefined): boolean {
  return (Array.isArray(value) ? value[0] : value) === 'true';
}

export interface DeploymentClientOptions {
  /** Per-call deadline in milliseconds (Jina's --timeout-send); undefined = none. */
  timeoutMs?: number | undefined;
  /** Jina's --retries: < 0 means max(3, replicas) retries. */
  retries?: number | undefined;
  /** Jina's --compression: NoCompression | Deflate | Gzip. */
  compression?: string | undefined;
  /** Merged over Jina's default channel options (--grpc-channel-options). */
  channelOptions?: ChannelOptions | undefined;
  /** gRPC metadata sent with every call to this deployment (--deployments-metadata). */
  metadata?: Record<string, string> | undefined;
  /** Root certificates for grpcs:// addresses (else the system's). */
  rootCerts?: Buffer | undefined;
  /** The client of unary calls (--executor-transport): `own` (default) or `grpc-js`. */
  transport?: ExecutorTransport | undefined;
}

export interface CallOptions {
  /** Sent as the `endpoint` metadata, as Jina's gateway does. */
  endpoint?: string | undefined;
  /** For error messages. */
  requestId?: string | undefined;
  /** Overrides the deployment's deadline for this call, in milliseconds. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Extra per-call gRPC metadata, merged over the deployment's --deployments-metadata. */
  metadata?: Record<string, string> | undefined;
}

export interface UnaryResult {
  response: Buffer;
  /** Trailing metadata `is-error: true`: the executor raised (the body says what). */
  isError: boolean;
  /** The replica that answered. */
  address: string;
}

interface Replica {
  address: ExecutorAddress;
  /** grpc-js, for streaming calls; made on first use. */
  client: Client | undefined;
  /** The unary calls' client (our HTTP/2 one, or grpc-js's with transport grpc-js); made on first use. */
  channel: UnaryChannel | GrpcJsUnaryChannel | undefined;
  /** Counts resets, so that a call failed on a connection already reset does not reset the new one. */
  resets: number;
}

export class DeploymentClient {
  readonly name: string;
  private readonly replicas: Replica[];
  private readonly options: DeploymentClientOptions;
  private readonly channelOptions: ChannelOptions;
  /** --deployments-metadata as HTTP/2 headers, for the unary channel. */
  private readonly metadataHeaders: Record<string, string>;
  private roundRobin = 0;
  private closed = false;

  constructor(name: string, addresses: readonly string[], options: DeploymentClientOptions = {}) {
    if (addresses.length === 0) throw new Error(`deployment "${name}" has no address`);
    this.name = name;
    this.replicas = addresses.map((address) => ({ address: parseExecutorAddress(address), client: undefined, channel: undefined, resets: 0 }));
    this.options = options;
    this.channelOptions = channelOptions(options.channelOptions, options.compression);
    this.metadataHeaders = metadataAsHeaders(options.metadata);
  }

  get addresses(): string[] {
    return this.replicas.map((replica) => replica.address.original);
  }

  /** `process_single_data` with a serialized DataRequestProto; resolves with the serialized response. */
  processSingleData(request: Buffer, given: CallOptions = {}): Promise<UnaryResult> {
    const options = this.withClientMetadata(given);
    return this.withRetries(options, (replica) => this.unary(replica, JINA_PATHS.processSingleData, request, options));
  }

  /**
   * `process_data` with several serialized DataRequestProtos in one call: how Jina sends a join's
   * parts to a deployment listed in --deployments-no-reduce (the executor merges them).
   */
  processData(requests: readonly Buffer[], given: CallOptions = {}): Promise<UnaryResult> {
    const options = this.withClientMetadata(given);
    // DataRequestListProto: field 1, repeated DataRequestProto
    const list = appendLengthDelimited(new Uint8Array(0), 1, requests);
    return this.withRetries(options, (replica) => this.unary(replica, JINA_PATHS.processData, list, options));
  }

  /** `JinaRPC/Call` with one request: for peers that serve only the streaming path. */
  call(request: Buffer, given: CallOptions = {}): Promise<UnaryResult> {
    const options = this.withClientMetadata(given);
    return this.withRetries(options, (replica) => this.bidiOnce(replica, request, options));
  }

  /**
   * `stream_doc` with a serialized SingleDocumentRequestProto; yields each serialized response.
   * Retries apply until the first response arrives; after that a failure ends the stream.
   */
  async *streamDoc(request: Buffer, given: CallOptions = {}): AsyncGenerator<Buffer> {
    const options = this.withClientMetadata(given);
    const stream = await this.withRetries(options, (replica) =>
      this.options.transport === 'grpc-js' ? this.openServerStream(replica, request, options) : this.openOwnServerStream(replica, request, options),
    );
    yield* stream;
  }

  async endpointDiscovery(options: CallOptions = {}): Promise<EndpointsProto> {
    const result = await this.withRetries(options, (replica) =>
      this.unary(replica, JINA_PATHS.endpointDiscovery, Buffer.from(Empty.encode({}).finish()), options),
    );
    return this.decode(result, EndpointsProto.decode);
  }

  async status(options: CallOptions = {}): Promise<JinaInfoProto> {
    const result = await this.withRetries(options, (replica) =>
      this.unary(replica, JINA_PATHS.status, Buffer.from(Empty.encode({}).finish()), options),
    );
    return this.decode(result, JinaInfoProto.decode);
  }

  /** gRPC health Check('') on every replica; true when all are SERVING. No retries. */
  async isHealthy(timeoutMs = 1000): Promise<boolean> {
    const request = Buffer.from(HealthCheckRequest.encode({ service: '' }).finish());
    const checks = this.replicas.map(async (replica) => {
      try {
        const result = await this.unary(replica, JINA_PATHS.healthCheck, request, { timeoutMs });
        return HealthCheckResponse.decode(result.response).status === HealthCheckResponse_ServingStatus.SERVING;
      } catch {
        return false;
      }
    });
    return (await Promise.all(checks)).every(Boolean);
  }

  close(): void {
    this.closed = true;
    for (const replica of this.replicas) this.resetReplica(replica);
  }

  /**
   * The call's options with the client metadata its request forwards (--forward-metadata), under
   * this deployment's --deployments-metadata and the call's own entries, which win on a clash.
   */
  private withClientMetadata(options: CallOptions): CallOptions {
    const forwarded = forwardedMetadata();
    if (forwarded === undefined) return options;
    const metadata: Record<string, string> = {};
    const fixed = this.options.metadata;
    for (const [key, value] of Object.entries(forwarded)) if (fixed === undefined || !Object.hasOwn(fixed, key)) metadata[key] = value;
    return { ...options, metadata: { ...metadata, ...options.metadata } };
  }

  private decode<T>(result: UnaryResult, decode: (bytes: Uint8Array) => T): T {
    try {
      return decode(result.response);
    } catch (error) {
      throw new ExecutorProtocolError(this.name, result.address, error);
    }
  }

  private totalTries(): number {
    const retries = this.options.retries ?? -1;
    return retries < 0 ? Math.max(3, this.replicas.length) + 1 : retries + 1;
  }

  /** Picks the next replica round-robin, skipping ones already tried while untried ones remain. */
  private nextReplica(tried: Set<Replica>): Replica {
    const count = this.replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.replicas[(this.roundRobin + i) % count]!;
      if (!tried.has(replica) || tried.size >= count) {
        this.roundRobin = (this.roundRobin + i + 1) % count;
        return replica;
      }
    }
    // unreachable: with tried.size < count an untried replica exists
    return this.replicas[0]!;
  }

  private async withRetries<T>(options: CallOptions, attempt: (replica: Replica) => Promise<T>): Promise<T> {
    const tries = this.totalTries();
    const tried = new Set<Replica>();
    let lastError: ServiceError | undefined;
    for (let i = 0; i < tries; i++) {
      if (this.closed) throw new Error(`deployment "${this.name}" client is closed`);
      if (options.signal?.aborted) throw options.signal.reason;
      const replica = this.nextReplica(tried);
      tried.add(replica);
      const resets = replica.resets;
      try {
        return await attempt(replica);
      } catch (error) {
        if (!isServiceError(error) || !RETRIED.has(error.code)) throw error;
        lastError = error;
        // A failed channel can stay in backoff for seconds; a fresh one reconnects at once (as Jina does).
        // Only once for the calls a broken connection fails together: the first one's reset opened the
        // channel the others retry on, and resetting that too would dial once per failed call.
        if (replica.resets === resets) this.resetReplica(replica);
      }
    }
    const error = lastError!;
    throw new ExecutorNetworkError(
      error.code,
      this.name,
      [...tried].map((replica) => replica.address.original),
      error.details,
      options.requestId,
    );
  }

  private clientFor(replica: Replica): Client {
    if (replica.client === undefined) {
      const creds = replica.address.tls
        ? grpcCredentials.createSsl(this.options.rootCerts ?? null)
        : grpcCredentials.createInsecure();
      replica.client = new Client(replica.address.target, creds, this.channelOptions);
    }
    return replica.client;
  }

  private channelFor(replica: Replica): UnaryChannel | GrpcJsUnaryChannel {
    if (replica.channel === undefined && this.options.transport === 'grpc-js') {
      replica.channel = new GrpcJsUnaryChannel({
        target: replica.address.target,
        tls: replica.address.tls,
        rootCerts: this.options.rootCerts,
        channelOptions: this.channelOptions,
        headers: this.metadataHeaders,
      });
    }
    if (replica.channel === undefined) {
      const options = this.channelOptions;
      const number = (key: string) => (typeof options[key] === 'number' ? (options[key] as number) : undefined);
      const compression = options['grpc.default_compression_algorithm'];
      replica.channel = new UnaryChannel({
        target: replica.address.target,
        tls: replica.address.tls,
        rootCerts: this.options.rootCerts,
        serverName: typeof options['grpc.ssl_target_name_override'] === 'string' ? options['grpc.ssl_target_name_override'] : undefined,
        compression: compression === 2 ? 'gzip' : compression === 1 ? 'deflate' : undefined,
        keepaliveTimeMs: number('grpc.keepalive_time_ms'),
        keepaliveTimeoutMs: number('grpc.keepalive_timeout_ms'),
        keepaliveWithoutCalls: options['grpc.keepalive_permit_without_calls'] === 1,
        maxReceiveMessageLength: number('grpc.max_receive_message_length'),
        maxSendMessageLength: number('grpc.max_send_message_length'),
        headers: this.metadataHeaders,
      });
    }
    return replica.channel;
  }

  private resetReplica(replica: Replica): void {
    replica.resets++;
    replica.client?.close();
    replica.client = undefined;
    replica.channel?.close();
    replica.channel = undefined;
  }

  private metadataFor(options: CallOptions): Metadata {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.options.metadata ?? {})) metadata.set(key, value);
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
    const endpoint = sendableEndpoint(options.endpoint);
    if (endpoint !== undefined) metadata.set('endpoint', endpoint);
    return metadata;
  }

  /** This call's deadline in milliseconds, else the deployment's; undefined = none (null counts as none). */
  private timeoutMs(options: CallOptions): number | undefined {
    return options.timeoutMs ?? this.options.timeoutMs ?? undefined;
  }

  private deadline(options: CallOptions): { deadline?: Date } {
    const timeoutMs = this.timeoutMs(options);
    return timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
  }

  private unary(replica: Replica, path: string, request: Buffer, options: CallOptions): Promise<UnaryResult> {
    const endpoint = sendableEndpoint(options.endpoint);
    const extra = options.metadata === undefined ? undefined : metadataAsHeaders(options.metadata);
    const headers = endpoint === undefined ? extra : { ...extra, endpoint };
    const timeoutMs = this.timeoutMs(options);
    const address = replica.address.original;
    return this.channelFor(replica)
      .call(path, request, { headers, timeoutMs, signal: options.signal })
      .then(({ message, trailers }) => ({ response: message, isError: isErrorTrailer(trailers['is-error']), address }));
  }

  private bidiOnce(replica: Replica, request: Buffer, options: CallOptions): Promise<UnaryResult> {
    const client = this.clientFor(replica);
    return new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest(
        JINA_PATHS.call,
        identity,
        identity,
        this.metadataFor(options),
        this.deadline(options),
      );
      let response: Buffer | undefined;
      call.on('data', (value: Buffer) => {
        response ??= value;
      });
      call.on('error', (error: ServiceError) => reject(error));
      call.on('status', (status) => {
        if (status.code !== GrpcStatus.OK) return; // 'error' rejects
        if (response === undefined) {
          reject(Object.assign(new Error('no response'), { code: GrpcStatus.UNKNOWN, details: 'no response' }));
          return;
        }
        resolve({
          response,
          isError: status.metadata.get('is-error')[0]?.toString() === 'true',
          address: replica.address.original,
        });
      });
      call.write(request);
      call.end();
    });
  }

  /**
   * Opens a server stream and waits for its first message (or its end), so that connection
   * failures surface here, where they can still be retried.
   */
  /**
   * stream_doc over our own HTTP/2 channel (the unary calls' connection): open once the first
   * message (or the end) has arrived, so that a failure before it is retried like a unary call's.
   */
  private async openOwnServerStream(replica: Replica, request: Buffer, options: CallOptions): Promise<AsyncIterable<Buffer>> {
    const endpoint = sendableEndpoint(options.endpoint);
    const extra = options.metadata === undefined ? undefined : metadataAsHeaders(options.metadata);
    const headers = endpoint === undefined ? extra : { ...extra, endpoint };
    const channel = this.channelFor(replica) as UnaryChannel;
    const messages = channel.serverStream(JINA_PATHS.streamDoc, request, { headers, timeoutMs: this.timeoutMs(options), signal: options.signal });
    const first = await messages.next();
    return {
      async *[Symbol.asyncIterator]() {
        try {
          if (first.done) return;
          yield first.value;
          yield* messages;
        } finally {
          await messages.return(undefined);
        }
      },
    };
  }

  private openServerStream(replica: Replica, request: Buffer, options: CallOptions): Promise<AsyncIterable<Buffer>> {
    const client = this.clientFor(replica);
    const call: ClientReadableStream<Buffer> = client.makeServerStreamRequest(
      JINA_PATHS.streamDoc,
      identity,
      identity,
      request,
      this.metadataFor(options),
      this.deadline(options),
    );
    const onAbort = () => call.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const iterator = call[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    return iterator.next().then(
      (first) => ({
        async *[Symbol.asyncIterator]() {
          try {
            if (first.done) return;
            yield first.value;
            for (;;) {
              const next = await iterator.next();
              if (next.done) return;
              yield next.value;
            }
          } finally {
            options.signal?.removeEventListener('abort', onAbort);
            call.cancel();
          }
        },
      }),
      (error: unknown) => {
        options.signal?.removeEventListener('abort', onAbort);
        throw error;
      },
    );
  }
}

/** gRPC metadata as HTTP/2 header fields: names lower-cased, `-bin` values base64 (as grpc-js sends them). */
function metadataAsHeaders(metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    const name = key.toLowerCase();
    headers[name] = name.endsWith('-bin') ? Buffer.from(value).toString('base64') : value;
  }
  return headers;
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && typeof (error as ServiceError).code === 'number' && 'details' in error;
}
