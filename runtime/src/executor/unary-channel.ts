/**
 * Unary gRPC calls to one executor address over our own HTTP/2 client (../http2/client-session.ts):
 * one connection, the request's header block encoded once per (path, headers), the 5-byte length
 * prefix written with the payload, `grpc-status` and `is-error` read from the trailers.
 *
 * Why not grpc-js's `Client`: a unary call through it costs ~2.5× the CPU of one on node:http2
 * (interceptor and load-balancer layers, a Metadata clone, per-call header building, and an
 * `ERR_STREAM_ALREADY_FINISHED` error with its stack built on every call). Why not node:http2
 * either: it sends a session's frames once per event-loop turn, so a gateway's calls leave in
 * batches and the executor waits for each batch; our session writes each call as it is made
 * (client-session.ts; BENCHMARKS.md, gateway throughput). Streaming calls (Call, stream_doc) stay
 * on grpc-js.
 *
 * What a gRPC client owes the peer is kept: `te: trailers`, `grpc-timeout` with a local
 * deadline, `grpc-encoding` with gzip/deflate messages, decompression of compressed responses,
 * keepalive pings, the HTTP/2 → gRPC status mapping of the gRPC spec (PROTOCOL-HTTP2.md), and
 * errors shaped as grpc-js's ServiceError (`code`, `details`, `metadata`, with grpc-js's client's
 * wording where it has one) so the retry rule and every caller read them alike.
 *
 * Transparent retry (gRFC A6): a call the peer cannot have processed (refused with REFUSED_STREAM,
 * past a GOAWAY's last stream id, or still waiting for a stream when the GOAWAY or the connection's
 * end came) is sent again once, on the channel's current connection (a new one after a GOAWAY),
 * under the same deadline; it is not one of Jina's `--retries`, which only see the calls that
 * fail after it. A server rotating its connections (grpc `max_connection_age`) then costs no call.
 */
import net from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { Http2ClientSession, type ClientStream, type HeaderFields, type StreamAbort, type StreamHandler, unprocessed } from '../http2/client-session.js';
import { ErrorCode } from '../http2/frame.js';
import { encodeHeaderBlock, InvalidHeaderError } from '../http2/hpack-encoder.js';
import { joinWithHeadroom } from '../wire/headroom.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

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
  /** The trailers (the headers of a trailers-only response); repeated names are arrays. */
  trailers: HeaderFields;
}

/** One HTTP/2 connection and the calls on it. */
interface Connection {
  readonly session: Http2ClientSession;
  readonly calls: Set<UnaryCall>;
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
    case ErrorCode.REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case ErrorCode.CANCEL:
      return GrpcStatus.CANCELLED;
    case ErrorCode.ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case ErrorCode.INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/**
 * The code of a `grpc-status` value: 1*DIGIT (the gRPC spec) naming a code we know; undefined for
 * anything else, which must not pass as OK (`Number('')` is 0) nor as a code no caller can map.
 */
function grpcStatusCode(text: string): GrpcStatus | undefined {
  if (!/^[0-9]{1,2}$/.test(text)) return undefined;
  const code = Number(text);
  return GrpcStatus[code] === undefined ? undefined : (code as GrpcStatus);
}

function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The response's custom metadata as grpc-js Metadata (for callers that read error trailers).
 * Entries grpc-js refuses (a key with upper case or spaces, a value with control octets) are left
 * out: Metadata.add throws on them, and a peer's odd trailer must not turn a failed call into an
 * exception thrown from the socket's data handler (which would end the process).
 */
function metadataOf(headers: HeaderFields): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(':') || key.startsWith('grpc-') || key === 'content-type' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        if (key.endsWith('-bin')) metadata.add(key, Buffer.from(item, 'base64'));
        else metadata.add(key, item);
      } catch {
        // not metadata gRPC can carry
      }
    }
  }
  return metadata;
}

const HTTP2_ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/**
 * The error a GOAWAY stands for, for the calls it ends and the connection it retires: UNAVAILABLE
 * naming the address, whatever its code, as grpc-core says it (the peer is going away; Jina's rule
 * retries it). grpc-js says RESOURCE_EXHAUSTED for ENHANCE_YOUR_CALM (grpc-core's answer to pings
 * it finds too frequent, "too_many_pings"), a code nobody retries, for calls the peer dropped.
 */
function goawayFailure(target: string, code: number, debug: string): GrpcCallError {
  const name = HTTP2_ERROR_NAMES.get(code) ?? `code ${code}`;
  return new GrpcCallError(GrpcStatus.UNAVAILABLE, `${target}: GOAWAY ${name} received${debug ? ` (${debug})` : ''}`);
}

/** Header blocks kept per channel: one per (path, per-call headers, deadline) seen, up to this many. */
const MAX_CACHED_BLOCKS = 256;

export class UnaryChannel {
  /** The connection new calls go to; a retired one lives on until its calls end. */
  private current: Connection | undefined;
  /** The request fields every call sends, after the pseudo-headers. */
  private readonly baseFields: ReadonlyArray<readonly [string, string]>;
  private readonly headerBlocks = new Map<string, Buffer>();
  private readonly host: string;
  private readonly port: number;
  private closed = false;

  constructor(private readonly options: UnaryChannelOptions) {
    const split = options.target.lastIndexOf(':');
    const host = options.target.slice(0, split);
    this.host = host.startsWith('[') ? host.slice(1, -1) : host;
    this.port = Number(options.target.slice(split + 1));
    const base: Record<string, string> = {
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-accept-encoding': 'identity,deflate,gzip',
      'user-agent': 'jina-ts-gateway-runtime',
      ...(options.compression ? { 'grpc-encoding': options.compression } : {}),
      ...options.headers,
    };
    this.baseFields = [
      [':method', 'POST'],
      [':scheme', options.tls ? 'https' : 'http'],
      [':authority', options.target],
      ...Object.entries(base),
    ];
  }

  /** Calls `path` with one serialized message; resolves with the one response message and the trailers. */
  async call(path: string, request: Buffer, options: UnaryCallOptions = {}): Promise<UnaryResponse> {
    if (this.closed) throw new GrpcCallError(GrpcStatus.UNAVAILABLE, 'channel closed');
    const maxSend = this.options.maxSendMessageLength;
    if (maxSend !== undefined && maxSend >= 0 && request.length > maxSend) {
      throw new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Attempted to send message with a size larger than ${maxSend}`);
    }
    if (!this.options.compression) return this.send(path, messagePrefix(0, request.length), request, options);
    const compressed = this.options.compression === 'gzip' ? await gzip(request) : await deflate(request);
    return this.send(path, messagePrefix(1, compressed.length), compressed, options);
  }

  /**
   * Calls a server-streaming `path` with one serialized message; yields each response message as
   * it arrives, and throws a GrpcCallError for a call that fails (before or after messages). A
   * consumer that stops early cancels the call (RST_STREAM CANCEL). Messages are acknowledged to
   * the peer (flow control) as they arrive, not as they are consumed: a slow consumer buffers them.
   */
  async *serverStream(path: string, request: Buffer, options: UnaryCallOptions = {}): AsyncGenerator<Buffer> {
    if (this.closed) throw new GrpcCallError(GrpcStatus.UNAVAILABLE, 'channel closed');
    const maxSend = this.options.maxSendMessageLength;
    if (maxSend !== undefined && maxSend >= 0 && request.length > maxSend) {
      throw new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Attempted to send message with a size larger than ${maxSend}`);
    }
    let prefix = messagePrefix(0, request.length);
    let message = request;
    if (this.options.compression) {
      message = this.options.compression === 'gzip' ? await gzip(request) : await deflate(request);
      prefix = messagePrefix(1, message.length);
    }
    let block: Buffer;
    try {
      block = this.headerBlock(path, options);
    } catch (error) {
      if (error instanceof InvalidHeaderError) throw new GrpcCallError(GrpcStatus.INTERNAL, error.message);
      throw error;
    }
    const queue: Array<{ message: Buffer; wireBytes: number }> = [];
    let next = 0;
    let ended: { error: GrpcCallError | undefined } | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    const call = new UnaryCall(
      this,
      block,
      [prefix, message],
      () => {
        ended = { error: undefined };
        notify();
      },
      (error) => {
        ended = { error };
        notify();
      },
      (received, wireBytes) => {
        queue.push({ message: received, wireBytes });
        notify();
      },
    );
    if (call.start(options)) this.open(call);
    try {
      for (;;) {
        if (next < queue.length) {
          const { message: value, wireBytes } = queue[next]!;
          queue[next++] = TAKEN;
          if (next > 1024 && next * 2 > queue.length) {
            queue.splice(0, next);
            next = 0;
          }
          // taken: the executor may send that much more (at most a window ahead of the consumer)
          call.consumed(wireBytes);
          yield value;
          continue;
        }
        if (ended !== undefined) {
          if (ended.error !== undefined) throw ended.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      // the consumer stopped before the end: the call is cancelled, its stream reset
      if (ended === undefined) call.finish(new GrpcCallError(GrpcStatus.CANCELLED, 'Cancelled on client'));
    }
  }

  /**
   * The next call opens a new connection; calls in flight finish on the old one, which closes
   * after them (a connection that failed a call may be half broken, as grpc-js's backoff is).
   */
  reset(details = 'connection reset by the client'): void {
    const connection = this.current;
    if (connection === undefined) return;
    this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: ${details}`));
    connection.session.close();
  }

  close(): void {
    this.closed = true;
    this.reset('channel closed');
  }

  private send(path: string, prefix: Buffer, message: Buffer, options: UnaryCallOptions): Promise<UnaryResponse> {
    let block: Buffer;
    try {
      block = this.headerBlock(path, options);
    } catch (error) {
      // a header value HTTP/2 cannot carry
      if (error instanceof InvalidHeaderError) return Promise.reject(new GrpcCallError(GrpcStatus.INTERNAL, error.message));
      throw error;
    }
    return new Promise<UnaryResponse>((resolve, reject) => {
      const call = new UnaryCall(this, block, [prefix, message], resolve, reject);
      if (call.start(options)) this.open(call);
    });
  }

  /** Sends the call on the current connection (a new one if there is none). */
  private open(call: UnaryCall): void {
    const connection = this.connection();
    call.connection = connection;
    connection.calls.add(call);
    try {
      call.stream = connection.session.request(call.headerBlock, call.body, call);
    } catch {
      // the connection ended in this very tick
      this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: connection closed`));
      call.finish(connection.failure!);
    }
  }

  /**
   * A call the peer did not process, sent again (once: UnaryCall keeps count). Also on a channel
   * closed since (DeploymentClient replaces a channel that failed a call): the call was accepted,
   * and its connection closes with its last call (`settled`).
   */
  resend(call: UnaryCall): void {
    const previous = call.connection!;
    previous.calls.delete(call);
    this.settled(previous, undefined);
    this.open(call);
  }

  /** The request's header block: pseudo-headers, the channel's fields, the call's, the deadline. */
  private headerBlock(path: string, options: UnaryCallOptions): Buffer {
    const timeout = options.timeoutMs === undefined || options.timeoutMs === null ? undefined : grpcTimeout(options.timeoutMs);
    const extra = options.headers;
    let key = `${path}\n${timeout ?? ''}`;
    if (extra !== undefined) for (const name in extra) key += `\n${name}\0${extra[name]}`;
    const cached = this.headerBlocks.get(key);
    if (cached !== undefined) return cached;
    const fields: Array<readonly [string, string]> = [];
    for (const field of this.baseFields) {
      if (extra === undefined || !Object.hasOwn(extra, field[0])) fields.push(field);
      if (field[0] === ':scheme') fields.push([':path', path]);
    }
    if (extra !== undefined) for (const name in extra) fields.push([name, extra[name]!]);
    if (timeout !== undefined) fields.push(['grpc-timeout', timeout]);
    const block = encodeHeaderBlock(fields);
    if (this.headerBlocks.size >= MAX_CACHED_BLOCKS) this.headerBlocks.clear();
    this.headerBlocks.set(key, block);
    return block;
  }

  /** A call ended (or moved): a connection that takes no new calls, or of a closed channel, closes with its last one. (For UnaryCall.) */
  settled(connection: Connection, call: UnaryCall | undefined): void {
    if (call !== undefined) connection.calls.delete(call);
    if (connection.calls.size > 0) return;
    if (this.closed && connection === this.current) this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: channel closed`));
    if (connection !== this.current) connection.session.close();
  }

  /** Why a stream that did not finish failed, as a gRPC error. (For UnaryCall.) */
  failureOf(connection: Connection, reason: StreamAbort): GrpcCallError {
    const target = this.options.target;
    switch (reason.kind) {
      case 'reset':
        return new GrpcCallError(codeForRstCode(reason.code), `Received RST_STREAM with code ${reason.code}`);
      case 'goaway':
        return connection.failure ?? goawayFailure(target, reason.code, reason.debug);
      case 'connection':
        return connection.failure ?? new GrpcCallError(GrpcStatus.UNAVAILABLE, `${target}: ${reason.error.message}`);
    }
  }

  /** (For UnaryCall.) */
  get maxReceiveMessageLength(): number | undefined {
    return this.options.maxReceiveMessageLength;
  }

  private connection(): Connection {
    const current = this.current;
    if (current !== undefined) {
      if (current.session.available) return current;
      // out of stream ids: its calls finish there, new ones go to a new connection
      this.retire(current, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${this.options.target}: connection out of stream ids`));
      if (current.calls.size === 0) current.session.close();
    }
    const options = this.options;
    const servername = options.serverName ?? (net.isIP(this.host) ? undefined : this.host);
    let connection: Connection | undefined;
    const session = new Http2ClientSession({
      host: this.host,
      port: this.port,
      tls: options.tls ? { ca: options.rootCerts, servername } : undefined,
      windowBytes: WINDOW_BYTES,
      onGoaway: (code, debug) => {
        // calls the peer still serves finish on this connection; new calls, and the ones it did not take, open another
        if (connection !== undefined) this.retire(connection, goawayFailure(options.target, code, debug));
      },
      onClose: (error) => {
        if (connection !== undefined) this.retire(connection, new GrpcCallError(GrpcStatus.UNAVAILABLE, `${options.target}: ${error.message}`));
      },
    });
    connection = { session, calls: new Set(), failure: undefined, keepalive: undefined };
    this.current = connection;
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

  private startKeepalive(connection: Connection): void {
    const interval = this.options.keepaliveTimeMs;
    if (interval === undefined || interval <= 0 || !Number.isFinite(interval)) return;
    const timeout = this.options.keepaliveTimeoutMs ?? 20_000;
    const { session } = connection;
    const timer = setInterval(() => {
      if (session.destroyed || (!this.options.keepaliveWithoutCalls && connection.calls.size === 0)) return;
      const unanswered = setTimeout(
        () => session.destroy(new Error(`keepalive ping not answered in ${timeout} ms`)),
        timeout,
      );
      unanswered.unref();
      session.ping(() => clearTimeout(unanswered));
    }, interval);
    timer.unref();
    connection.keepalive = timer;
  }
}

/** One unary call while it runs: the stream's events, its deadline and its abort signal. */
class UnaryCall implements StreamHandler {
  /** Where it was sent last (set by the channel). */
  connection: Connection | undefined;
  stream: ClientStream | undefined;
  private done = false;
  /** Sent again once already, after the peer did not process it. */
  private resent = false;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  /** Streaming: bytes of messages not complete yet (the first chunk from `pendingStart` on). */
  private pendingChunks: Buffer[] = [];
  private pendingStart = 0;
  private pendingBytes = 0;
  private head: HeaderFields | undefined;
  private timer: NodeJS.Timeout | undefined;
  private signal: AbortSignal | undefined;
  private readonly onAbortSignal = () => this.finish(new GrpcCallError(GrpcStatus.CANCELLED, 'Cancelled on client'));

  constructor(
    private readonly channel: UnaryChannel,
    /** The request, kept for a transparent retry (its grpc-timeout stays the first one: our own timer ends the call). */
    readonly headerBlock: Buffer,
    readonly body: readonly Buffer[],
    private readonly resolve: (response: UnaryResponse) => void,
    private readonly reject: (error: GrpcCallError) => void,
    /**
     * A server-streaming call: each response message as it arrives, with the bytes it took on the
     * wire (the call then resolves with none). The consumer acknowledges them with `consumed()`.
     */
    private readonly onMessage?: (message: Buffer, wireBytes: number) => void,
  ) {}

  /** Streaming: the session leaves acknowledging body bytes to `consumed()` (backpressure). */
  get acknowledgesItself(): boolean {
    return this.onMessage !== undefined;
  }

  /** Streaming: the consumer took a message of `wireBytes`; the peer may send that much more. */
  consumed(wireBytes: number): void {
    if (this.stream !== undefined) this.connection?.session.acknowledge(this.stream, wireBytes);
  }

  /** Arms the deadline and the signal; false if the call is over already (an aborted signal). */
  start(options: UnaryCallOptions): boolean {
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        this.onAbortSignal();
        return false;
      }
      this.signal = signal;
      signal.addEventListener('abort', this.onAbortSignal, { once: true });
    }
    if (options.timeoutMs !== undefined && options.timeoutMs !== null) {
      this.timer = setTimeout(() => this.finish(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), Math.max(0, options.timeoutMs));
    }
    return true;
  }

  onHeaders(fields: HeaderFields, endStream: boolean): void {
    if (!endStream) this.head ??= fields;
    // trailers, or the one block of a trailers-only response
    else this.complete(fields);
  }

  onData(chunk: Buffer, endStream: boolean): void {
    if (this.done) return;
    if (this.onMessage !== undefined) {
      this.deframe(chunk);
      if (endStream && !this.done) this.complete(undefined);
      return;
    }
    this.received += chunk.length;
    const max = this.channel.maxReceiveMessageLength;
    if (max !== undefined && max >= 0 && this.received > max + 5) {
      return this.finish(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${this.received - 5} vs ${max})`));
    }
    if (chunk.length > 0) this.chunks.push(chunk);
    // a stream that ends with its data carries no trailers, so no grpc-status
    if (endStream) this.complete(undefined);
  }

  onAbort(reason: StreamAbort): void {
    this.stream = undefined;
    if (this.done) return;
    if (!this.resent && unprocessed(reason)) {
      // the peer never saw it: sent again, once, whatever the call does (gRFC A6)
      this.resent = true;
      return this.channel.resend(this);
    }
    this.finish(this.channel.failureOf(this.connection!, reason));
  }

  /** The peer ended the stream: with trailers (or a trailers-only block), or with its data. */
  private complete(trailers: HeaderFields | undefined): void {
    this.stream = undefined;
    if (this.done) return;
    const head = this.head ?? trailers ?? {};
    const status = trailers?.['grpc-status'];
    if (status === undefined) {
      const httpStatus = Number(head[':status']);
      if (httpStatus !== 200 && !Number.isNaN(httpStatus)) {
        return this.finish(new GrpcCallError(codeForHttpStatus(httpStatus), `Received HTTP status code ${httpStatus}`));
      }
      return this.finish(new GrpcCallError(GrpcStatus.UNKNOWN, 'No status received'));
    }
    const all = trailers!;
    const statusText = Array.isArray(status) ? status[0]! : status;
    const code = grpcStatusCode(statusText);
    if (code === undefined) {
      return this.finish(new GrpcCallError(GrpcStatus.UNKNOWN, `Invalid grpc-status ${JSON.stringify(statusText.slice(0, 40))} received`, metadataOf(all)));
    }
    if (code !== GrpcStatus.OK) {
      return this.finish(new GrpcCallError(code, decodeGrpcMessage(all['grpc-message']), metadataOf(all)));
    }
    if (this.onMessage !== undefined) {
      return this.finish(this.pendingBytes > 0 ? new GrpcCallError(GrpcStatus.INTERNAL, 'Truncated message') : { message: EMPTY_MESSAGE, trailers: all });
    }
    // a large response joined with room in front, so that re-encoding it copies no documents (wire/headroom.ts)
    const body = this.chunks.length === 1 ? this.chunks[0]! : joinWithHeadroom(this.chunks, this.received);
    let framed: { payload: Buffer; compressed: boolean };
    try {
      framed = unframe(body);
    } catch (error) {
      return this.finish(error as GrpcCallError);
    }
    // the common case answers in this tick; only a compressed message waits for zlib
    if (!framed.compressed) return this.finish({ message: framed.payload, trailers: all });
    const encoding = head['grpc-encoding'];
    decompress(framed.payload, typeof encoding === 'string' ? encoding : undefined).then(
      (message) => this.finish({ message, trailers: all }),
      (error: GrpcCallError) => this.finish(error),
    );
  }

  /**
   * Streaming: hands on every message `chunk` completes. A message within one chunk is a slice of
   * it; one spread over several is joined once, when its last byte arrives.
   */
  private deframe(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pendingChunks.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 5 && !this.done) {
      const length = this.take(5, false).readUInt32BE(1);
      const max = this.channel.maxReceiveMessageLength;
      if (max !== undefined && max >= 0 && length > max) {
        return this.finish(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs ${max})`));
      }
      if (this.pendingBytes < 5 + length) return;
      const framed = this.take(5 + length, true);
      const payload = framed.subarray(5);
      if (framed[0] !== 1) {
        this.onMessage!(payload, framed.length);
        continue;
      }
      const encoding = this.head?.['grpc-encoding'];
      try {
        this.onMessage!(decompressSync(payload, typeof encoding === 'string' ? encoding : undefined), framed.length);
      } catch (error) {
        return this.finish(error as GrpcCallError);
      }
    }
  }

  /** The first `bytes` pending bytes (a slice when they are in one chunk); `consume`: and drops them. */
  private take(bytes: number, consume: boolean): Buffer {
    const first = this.pendingChunks[0]!;
    if (first.length - this.pendingStart >= bytes) {
      const taken = first.subarray(this.pendingStart, this.pendingStart + bytes);
      if (consume) this.drop(bytes);
      return taken;
    }
    const pieces: Buffer[] = [];
    let missing = bytes;
    let start = this.pendingStart;
    for (const chunk of this.pendingChunks) {
      const piece = chunk.subarray(start, start + missing);
      pieces.push(piece);
      missing -= piece.length;
      start = 0;
      if (missing === 0) break;
    }
    if (consume) this.drop(bytes);
    return Buffer.concat(pieces, bytes);
  }

  private drop(bytes: number): void {
    this.pendingBytes -= bytes;
    let rest = bytes;
    while (rest > 0) {
      const first = this.pendingChunks[0]!;
      const left = first.length - this.pendingStart;
      if (left > rest) {
        this.pendingStart += rest;
        return;
      }
      rest -= left;
      this.pendingChunks.shift();
      this.pendingStart = 0;
    }
  }

  finish(outcome: UnaryResponse | GrpcCallError): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbortSignal);
    if (outcome instanceof GrpcCallError) {
      // ends the stream on our side if it is still open (deadline, abort, a refused response)
      if (this.stream !== undefined) this.connection?.session.cancel(this.stream);
      this.stream = undefined;
      this.reject(outcome);
    } else {
      this.resolve(outcome);
    }
    if (this.connection !== undefined) this.channel.settled(this.connection, this);
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

const EMPTY_MESSAGE = Buffer.alloc(0);
const TAKEN = { message: EMPTY_MESSAGE, wireBytes: 0 };

/** A streamed message decompressed in order with the others (they are small: tokens, docs). */
function decompressSync(payload: Buffer, encoding: string | undefined): Buffer {
  try {
    if (encoding === 'gzip') return zlib.gunzipSync(payload);
    if (encoding === 'deflate') return zlib.inflateSync(payload);
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
