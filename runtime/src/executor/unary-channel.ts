/**
 * Unary gRPC calls to one executor address straight on `node:http2`: one HTTP/2 session, headers
 * built once per deployment, the 5-byte length prefix written with the payload, `grpc-status`
 * and `is-error` read from the trailers as they arrive.
 *
 * Why not grpc-js's `Client` for this: a unary call through it costs ~2.5× the CPU of the same
 * call here (interceptor and load-balancer layers, a Metadata clone, per-call header building,
 * and an `ERR_STREAM_ALREADY_FINISHED` error with its stack built on every call), and the
 * executor leg is most of a gateway's cost per request (BENCHMARKS.md, gateway throughput).
 * Streaming calls (Call, stream_doc) stay on grpc-js.
 *
 * What a gRPC client owes the peer is kept: `te: trailers`, `grpc-timeout` with a local
 * deadline, `grpc-encoding` with gzip/deflate messages, decompression of compressed responses,
 * keepalive pings, the HTTP/2 → gRPC status mapping of the gRPC spec (PROTOCOL-HTTP2.md), and
 * errors shaped as grpc-js's ServiceError (`code`, `details`, `metadata`) so the retry rule and
 * every caller read them alike.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

const {
  NGHTTP2_CANCEL,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
} = http2.constants;

/** A failed call, shaped like grpc-js's ServiceError. */
export class GrpcCallError extends Error {
  readonly metadata: Metadata;
  constructor(
    readonly code: GrpcStatus,
    readonly details: string,
    metadata?: Metadata,
  ) {
    super(`${code} ${GrpcStatus[code] ?? 'UNKNOWN'}: ${details}`);
    this.metadata = metadata ?? new Metadata();
  }
}

export interface UnaryChannelOptions {
  /** host:port */
  target: string;
  tls: boolean;
  /** Root certificates for TLS (else Node's bundled ones). */
  rootCerts?: Buffer | undefined;
  /** TLS server name, when it differs from the host (`grpc.ssl_target_name_override`). */
  serverName?: string | undefined;
  /** `gzip` or `deflate` for outgoing messages; undefined sends them as they are. */
  compression?: 'gzip' | 'deflate' | undefined;
  /** Ping interval; undefined or ≤ 0: no keepalive pings. */
  keepaliveTimeMs?: number | undefined;
  /** How long a ping may go unanswered before the connection is dropped. */
  keepaliveTimeoutMs?: number | undefined;
  /** Ping while no call is in flight (`grpc.keepalive_permit_without_calls`). */
  keepaliveWithoutCalls?: boolean | undefined;
  /** Largest response message accepted, bytes; < 0 or undefined: unlimited. */
  maxReceiveMessageLength?: number | undefined;
  /** Largest request message sent, bytes; < 0 or undefined: unlimited. */
  maxSendMessageLength?: number | undefined;
  /** Sent with every call (lower-case names; `-bin` names carry base64). */
  headers?: Record<string, string> | undefined;
}

export interface UnaryCallOptions {
  /** Extra headers for this call (e.g. `endpoint`). */
  headers?: Record<string, string> | undefined;
  /** Deadline in milliseconds from now. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface UnaryResponse {
  message: Buffer;
  trailers: IncomingHttpHeaders;
}

/** One call while it runs. */
interface Pending {
  resolve(response: UnaryResponse): void;
  reject(error: GrpcCallError): void;
  stream: ClientHttp2Stream;
  done: boolean;
}

/** One HTTP/2 connection and the calls on it. */
interface Connection {
  readonly session: ClientHttp2Session;
  readonly pending: Set<Pending>;
  /** Why it ended (or stopped taking calls), for the calls it takes down with it. */
  failure: GrpcCallError | undefined;
  keepalive: NodeJS.Timeout | undefined;
}

/** Large windows: a 1 MiB tensor should not wait for 16 window updates on loopback. */
const WINDOW_BYTES = 8 * 1024 * 1024;
/** Longest `grpc-timeout` value: 8 digits of milliseconds (the spec's TimeoutValue), then seconds. */
const MAX_TIMEOUT_MS = 99_999_999;

function grpcTimeout(timeoutMs: number): string {
  const ms = Math.max(0, Math.ceil(timeoutMs));
  return ms <= MAX_TIMEOUT_MS ? `${ms}m` : `${Math.min(Math.ceil(ms / 1000), MAX_TIMEOUT_MS)}S`;
}

/** The gRPC code for an HTTP status that is not 200 (gRPC's http-grpc-status-mapping.md). */
function codeForHttpStatus(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** The gRPC code for a stream reset by the peer (PROTOCOL-HTTP2.md, "Errors"). */
function codeForRstCode(rstCode: number): GrpcStatus {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case NGHTTP2_CANCEL:
      return GrpcStatus.CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The response's custom metadata as grpc-js Metadata (for callers that read error trailers). */
function metadataOf(headers: IncomingHttpHeaders): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(':') || key.startsWith('grpc-') || key === 'content-type' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (key.endsWith('-bin')) metadata.add(key, Buffer.from(item, 'base64'));
      else metadata.add(key, item);
    }
  }
  return metadata;
}

export class UnaryChannel {
  /** The connection new calls go to; a retired one lives on until its calls end. */
  private current: Connection | undefined;
  private readonly baseHeaders: Record<string, string>;
  private readonly authority: string;
  private closed = false;

  constructor(private readonly options: UnaryChannelOptions) {
    this.authority = `${options.tls ? 'https' : 'http'}://${options.target}`;
    this.baseHeaders = {
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-accept-encoding': 'identity,deflate,gzip',
      'user-agent': 'jina-ts-gateway-runtime',
      ...(options.compression ? { 'grpc-encoding': options.compression } : {}),
      ...options.headers,
    };
  }

  /** Calls `path` with one serialized message; resolves with the one response message and the trailers. */
  async call(path: string, request: Buffer, options: UnaryCallOptions = {}): Promise<UnaryResponse> {
    if (this.closed) throw new GrpcCallError(GrpcStatus.UNAVAILABLE, 'channel closed');
    const maxSend = this.options.maxSendMessageLength;
    if (maxSend !== undefined && maxSend >= 0 && request.length > maxSend) {
      throw new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Sent message larger than max (${request.length} vs. ${maxSend})`);
    }
    if (!this.options.compression) return this.send(path, messagePrefix(0, request.length), request, options);
    const compressed = this.options.compression === 'gzip' ? await gzip(request) : await deflate(request);
    return this.send(path, messagePrefix(1, compressed.length), compressed, options);
  }

  /**
   * The next call opens a new connection; calls in flight finish on the old one, which closes
   * after them (a connection that failed a call may be half broken, as grpc-js's backoff is).
   */
  reset(details = 'connection reset by the client'): void {
    const connection = this.current;
    if (connection === undefined) return;
    this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: ${details}`));
    if (!connection.session.destroyed) connection.session.close();
  }

  close(): void {
    this.closed = true;
    this.reset('channel closed');
  }

  private send(path: string, prefix: Buffer, message: Buffer, options: UnaryCallOptions): Promise<UnaryResponse> {
    const connection = this.connection();
    const headers: OutgoingHttpHeaders = { ...this.baseHeaders, ...options.headers, ':method': 'POST', ':path': path };
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs !== null) headers['grpc-timeout'] = grpcTimeout(timeoutMs);
    return new Promise<UnaryResponse>((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = connection.session.request(headers, { endStream: false });
      } catch (error) {
        // the session ended just now, or a header value is not allowed in HTTP/2
        const ended = connection.session.destroyed || connection.session.closed;
        if (ended) this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: connection closed`));
        reject(ended ? connection.failure! : new GrpcCallError(GrpcStatus.INTERNAL, (error as Error).message));
        return;
      }
      const call: Pending = { resolve, reject, stream, done: false };
      if (connection.pending.size === 0) connection.session.ref();
      connection.pending.add(call);
      this.track(call, connection, options);
      // small messages in one DATA frame; large ones without copying the payload
      if (message.length < 16_384) stream.end(Buffer.concat([prefix, message], prefix.length + message.length));
      else {
        stream.write(prefix);
        stream.end(message);
      }
    });
  }

  private track(call: Pending, connection: Connection, options: UnaryCallOptions): void {
    const { stream } = call;
    const chunks: Buffer[] = [];
    let received = 0;
    let responseHeaders: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    let timer: NodeJS.Timeout | undefined;
    const signal = options.signal;

    const finish = (outcome: UnaryResponse | GrpcCallError) => {
      if (call.done) return;
      call.done = true;
      this.settled(connection, call);
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof GrpcCallError) {
        if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL);
        call.reject(outcome);
      } else {
        call.resolve(outcome);
      }
    };
    const onAbort = () => finish(new GrpcCallError(GrpcStatus.CANCELLED, 'Cancelled on client'));
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    if (options.timeoutMs !== undefined && options.timeoutMs !== null) {
      timer = setTimeout(() => finish(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), Math.max(0, options.timeoutMs));
    }

    stream.on('response', (headers) => {
      responseHeaders = headers;
    });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      const max = this.options.maxReceiveMessageLength;
      if (max !== undefined && max >= 0 && received > max + 5) {
        finish(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${received - 5} vs. ${max})`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('trailers', (headers) => {
      trailers = headers;
    });
    // a stream the session takes down emits 'error' before 'close'; 'close' decides
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (call.done) return;
      const head = responseHeaders ?? {};
      // trailers-only responses carry grpc-status in the headers
      const status = trailers?.['grpc-status'] ?? head['grpc-status'];
      if (status === undefined) {
        const httpStatus = Number(head[':status']);
        if (responseHeaders !== undefined && httpStatus !== 200) {
          return finish(new GrpcCallError(codeForHttpStatus(httpStatus), `Received HTTP status code ${httpStatus}`));
        }
        // a stream the connection takes down closes before the session reports why (a refused
        // connect, a killed peer): look once the session's own events have run
        setImmediate(() => {
          const dropped = connection.session.destroyed || connection.session.closed;
          finish(
            connection.failure ??
              (dropped || stream.rstCode === undefined || stream.rstCode === 0
                ? new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: connection dropped before the call ended`)
                : new GrpcCallError(codeForRstCode(stream.rstCode), `Received RST_STREAM with code ${stream.rstCode}`)),
          );
        });
        return;
      }
      const all = trailers ?? head;
      const code = Number(status) as GrpcStatus;
      if (code !== GrpcStatus.OK) {
        return finish(new GrpcCallError(code, decodeGrpcMessage(all['grpc-message']), metadataOf(all)));
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      let framed: { payload: Buffer; compressed: boolean };
      try {
        framed = unframe(body);
      } catch (error) {
        return finish(error as GrpcCallError);
      }
      // the common case answers in this tick; only a compressed message waits for zlib
      if (!framed.compressed) return finish({ message: framed.payload, trailers: all });
      const encoding = head['grpc-encoding'];
      decompress(framed.payload, typeof encoding === 'string' ? encoding : undefined).then(
        (message) => finish({ message, trailers: all }),
        (error: GrpcCallError) => finish(error),
      );
    });
  }

  private settled(connection: Connection, call: Pending): void {
    connection.pending.delete(call);
    if (connection.pending.size > 0 || connection.session.destroyed) return;
    // a connection that takes no new calls closes with its last one; an idle current one
    // must not keep the process alive
    if (connection !== this.current) connection.session.close();
    else connection.session.unref();
  }

  private connection(): Connection {
    const current = this.current;
    if (current !== undefined && !current.session.destroyed && !current.session.closed) return current;
    const options = this.options;
    const session = http2.connect(this.authority, {
      settings: { initialWindowSize: WINDOW_BYTES, enablePush: false },
      // in MB: Node's 10 MB default refuses streams (ENHANCE_YOUR_CALM) under many large calls
      maxSessionMemory: 1024,
      ...(options.tls
        ? { ca: options.rootCerts, servername: options.serverName ?? hostOf(options.target), ALPNProtocols: ['h2'] }
        : {}),
    });
    const connection: Connection = { session, pending: new Set(), failure: undefined, keepalive: undefined };
    this.current = connection;
    session.unref();
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(WINDOW_BYTES);
      } catch {
        // the session ended already
      }
    });
    session.on('error', (error: Error) => {
      this.end(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${options.target}: ${error.message}`));
    });
    session.on('goaway', (errorCode: number, _lastStreamId: number, opaqueData?: Buffer) => {
      const reason = opaqueData && opaqueData.length > 0 ? opaqueData.toString() : '';
      // grpc-core answers pings it finds too frequent with ENHANCE_YOUR_CALM "too_many_pings"
      const failure =
        errorCode === NGHTTP2_ENHANCE_YOUR_CALM
          ? new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Bandwidth exhausted: GOAWAY ${reason || 'ENHANCE_YOUR_CALM'}`)
          : new GrpcCallError(GrpcStatus.UNAVAILABLE, `${options.target}: GOAWAY received${reason ? ` (${reason})` : ''}, code ${errorCode}`);
      // calls the peer still serves finish on this connection; new calls open another
      this.retire(connection, failure);
    });
    session.on('close', () => this.end(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${options.target}: connection closed`)));
    this.startKeepalive(connection);
    return connection;
  }

  /** No new calls on `connection`; remembers why, for the calls still on it. */
  private retire(connection: Connection, failure: GrpcCallError): void {
    connection.failure ??= failure;
    if (connection.keepalive !== undefined) clearInterval(connection.keepalive);
    connection.keepalive = undefined;
    if (this.current === connection) this.current = undefined;
  }

  /** The connection is gone: every call still on it fails with the reason it ended. */
  private end(connection: Connection, failure: GrpcCallError): void {
    this.retire(connection, failure);
    const reason = connection.failure!;
    for (const call of connection.pending) {
      if (call.done) continue;
      call.done = true;
      call.reject(reason);
    }
    connection.pending.clear();
    if (!connection.session.destroyed) connection.session.destroy();
  }

  private startKeepalive(connection: Connection): void {
    const interval = this.options.keepaliveTimeMs;
    if (interval === undefined || interval <= 0 || !Number.isFinite(interval)) return;
    const timeout = this.options.keepaliveTimeoutMs ?? 20_000;
    const { session } = connection;
    const timer = setInterval(() => {
      if (session.destroyed || (!this.options.keepaliveWithoutCalls && connection.pending.size === 0)) return;
      const unanswered = setTimeout(
        () => this.end(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: keepalive ping not answered in ${timeout} ms`)),
        timeout,
      );
      unanswered.unref();
      try {
        session.ping((error) => {
          clearTimeout(unanswered);
          if (error && !session.destroyed) {
            this.end(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: keepalive ping failed: ${error.message}`));
          }
        });
      } catch {
        clearTimeout(unanswered);
      }
    }, interval);
    timer.unref();
    connection.keepalive = timer;
  }
}

/** The one message of a unary response body, and whether it is compressed. */
function unframe(body: Buffer): { payload: Buffer; compressed: boolean } {
  if (body.length < 5) throw new GrpcCallError(GrpcStatus.UNIMPLEMENTED, 'No message received');
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) {
    throw new GrpcCallError(GrpcStatus.INTERNAL, body.length < 5 + length ? 'Truncated message' : 'Too many responses received');
  }
  return { payload: body.subarray(5), compressed: body[0] === 1 };
}

async function decompress(payload: Buffer, encoding: string | undefined): Promise<Buffer> {
  try {
    if (encoding === 'gzip') return await gunzip(payload);
    if (encoding === 'deflate') return await inflate(payload);
  } catch (error) {
    throw new GrpcCallError(GrpcStatus.INTERNAL, `Failed to decompress the response: ${(error as Error).message}`);
  }
  throw new GrpcCallError(GrpcStatus.INTERNAL, `Compressed response with unsupported encoding "${encoding ?? ''}"`);
}

function messagePrefix(compressed: 0 | 1, length: number): Buffer {
  const prefix = Buffer.allocUnsafe(5);
  prefix[0] = compressed;
  prefix.writeUInt32BE(length, 1);
  return prefix;
}

function hostOf(target: string): string {
  const host = target.slice(0, target.lastIndexOf(':'));
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
