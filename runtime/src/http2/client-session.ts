/**
 * One HTTP/2 client connection over a plain (or TLS) socket, for unary gRPC calls.
 *
 * Why not `node:http2`: its session hands its frames to the socket once per event-loop turn (the
 * write is scheduled with a SetImmediate), so a gateway that takes 32 HTTP requests in one turn
 * sends 32 calls at the end of it, and the executor only starts on the first when the gateway has
 * parsed the last: the two processes take turns instead of working side by side. Here a request's
 * frames go to the socket as the request is made (corked to the end of the current callback only).
 * Our HTTP gateway in front of the same echo executor: 18.8k – 20.4k requests per second at 36 – 37
 * CPU-µs each, against 9.3k – 9.8k at 76 – 81 on node:http2 (BENCHMARKS.md, gateway throughput,
 * 2026-12-04).
 *
 * What a client owes its peer is kept (RFC 9113): the preface and SETTINGS (no push, large receive
 * windows), SETTINGS and PING acknowledged, flow control both ways (a request larger than the
 * peer's windows waits for WINDOW_UPDATE; received bytes are given back with WINDOW_UPDATE),
 * MAX_CONCURRENT_STREAMS (calls beyond it wait for a free stream), MAX_FRAME_SIZE, CONTINUATION,
 * padding, RST_STREAM both ways, GOAWAY (streams past its last id, and requests still waiting for a
 * stream, end as not processed; the others finish, or end with it if it is for an error), and
 * connection errors answered with GOAWAY. Every abort says whether the peer may have processed the
 * request (`unprocessed()`): gRPC sends the ones it cannot have processed again (gRFC A6). Header
 * blocks are decoded with our HPACK decoder (hpack-decoder.ts) for every stream, so its dynamic
 * table stays in step with the peer's even for streams we no longer track.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WINDOW_BYTES,
  ErrorCode,
  FRAME_HEADER_BYTES,
  Flag,
  FrameType,
  MAX_STREAM_ID,
  MAX_WINDOW_BYTES,
  Setting,
  frame,
  settingsFrame,
  wordsFrame,
  writeFrameHeader,
} from './frame.js';
import { HpackDecoder } from './hpack-decoder.js';

/** A response's header fields, as node:http2 gives them: repeated names become arrays. */
export type HeaderFields = Record<string, string | string[]>;

/** Why a stream ended before the peer ended it. */
export type StreamAbort =
  | { kind: 'reset'; code: number }
  /**
   * The peer's GOAWAY. `processed` false: the stream's id is past its last stream id, or the
   * request was still waiting for a stream (never sent); true: at or below it, under a GOAWAY for an
   * error (the peer closes the connection after it, so the answer will not come).
   */
  | { kind: 'goaway'; code: number; debug: string; processed: boolean }
  /** The connection ended; `sent` false: the request was still waiting for a stream. */
  | { kind: 'connection'; error: Error; sent: boolean };

/**
 * Whether the peer cannot have processed the request (RFC 9113 §8.7): refused with RST_STREAM
 * REFUSED_STREAM, past a GOAWAY's last stream id, or never sent. Such a request may be sent again
 * as it is, whatever it does (gRPC's transparent retry, gRFC A6).
 */
export function unprocessed(reason: StreamAbort): boolean {
  switch (reason.kind) {
    case 'reset':
      return reason.code === ErrorCode.REFUSED_STREAM;
    case 'goaway':
      return !reason.processed;
    case 'connection':
      return !reason.sent;
  }
}

export interface StreamHandler {
  /** A complete header block: the response headers, then (endStream) the trailers; a trailers-only response is one block with endStream. */
  onHeaders(fields: HeaderFields, endStream: boolean): void;
  /** Response body bytes (a view of the socket's buffer). */
  onData(chunk: Buffer, endStream: boolean): void;
  onAbort(reason: StreamAbort): void;
  /**
   * The handler acknowledges the body bytes it received itself, with `acknowledge()`, once its
   * consumer has taken them: a peer then sends no more than a window ahead of the consumer (a
   * server stream to a slow client). Otherwise bytes are acknowledged as they arrive.
   */
  readonly acknowledgesItself?: boolean;
}

export interface ClientSessionOptions {
  host: string;
  port: number;
  /** TLS with ALPN `h2`; undefined: cleartext HTTP/2 with prior knowledge, as gRPC does. */
  tls?: { ca?: Buffer | undefined; servername?: string | undefined } | undefined;
  /** Receive window per stream and for the connection. */
  windowBytes: number;
  /**
   * The connection is gone. Called before its streams get onAbort, so that a request sent again
   * from onAbort goes to another connection.
   */
  onClose(error: Error): void;
  /** The peer sent GOAWAY: no new streams here. Called before the streams it ends get onAbort (as onClose). */
  onGoaway(code: number, debug: string): void;
}

/** A stream while it is open on our side. */
export interface ClientStream {
  readonly id: number;
}

interface StreamState extends ClientStream {
  id: number;
  readonly handler: StreamHandler;
  /** What the peer lets us send on this stream. */
  sendWindow: number;
  /** Request body not yet sent (flow control), and whether END_STREAM goes with its last byte. */
  pending: Buffer[];
  pendingBytes: number;
  /** Bytes received and not yet given back with WINDOW_UPDATE. */
  unacknowledged: number;
  /** The peer ended its side (END_STREAM); bytes that still arrive belong to no one. */
  remoteEnded: boolean;
}

/** A request that waits for a stream: the peer's MAX_CONCURRENT_STREAMS is reached. */
interface WaitingRequest {
  readonly state: StreamState;
  readonly headerBlock: Buffer;
  readonly body: readonly Buffer[];
  readonly bodyBytes: number;
}

/** How many streams to open before the peer's SETTINGS says how many it takes (RFC 9113 §6.5.2 recommends ≥ 100). */
const STREAMS_BEFORE_SETTINGS = 100;
/** The largest response header block taken (HEADERS and its CONTINUATION frames): a peer cannot make us buffer without end. */
const MAX_HEADER_BLOCK_BYTES = 1024 * 1024;
/**
 * The most CONTINUATION frames one header block may take: the byte bound alone would let a peer
 * send empty (or 1-byte) frames without end, each costing us a buffer and a frame's work (the
 * "CONTINUATION flood"); a block at the byte bound in full 16 KiB frames needs 64.
 */
const MAX_CONTINUATION_FRAMES = 256;
/** Requests up to this size go out as one buffer (one copy); larger ones as views of the caller's buffers. */
const COPY_BELOW_BYTES = 16 * 1024;

export class Http2ClientSession {
  private readonly socket: net.Socket;
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, StreamState>();
  private readonly waiting: WaitingRequest[] = [];
  /** Streams holding request bytes that wait for window. */
  private readonly blocked = new Set<StreamState>();
  private readonly pings: Array<(error?: Error) => void> = [];
  private nextStreamId = 1;
  private peerMaxStreams = STREAMS_BEFORE_SETTINGS;
  private peerInitialWindow = DEFAULT_WINDOW_BYTES;
  private peerMaxFrame = DEFAULT_MAX_FRAME_BYTES;
  private connectionSendWindow = DEFAULT_WINDOW_BYTES;
  private connectionUnacknowledged = 0;
  /** Bytes of the socket's last chunk that did not make a whole frame. */
  private partial: Buffer | undefined;
  /** A header block split into CONTINUATION frames, while it arrives. */
  private continuation: { streamId: number; endStream: boolean; fragments: Buffer[]; bytes: number; frames: number } | undefined;
  /** Frames our reading produced (acks, window updates), sent in one write after each chunk. */
  private replies: Buffer[] = [];
  private goingAway = false;
  private closing = false;
  private failure: Error | undefined;
  private closed = false;
  private corked = false;

  constructor(private readonly options: ClientSessionOptions) {
    const { host, port } = options;
    this.socket = options.tls
      ? tls.connect({ host, port, ca: options.tls.ca, ALPNProtocols: ['h2'], ...(options.tls.servername === undefined ? {} : { servername: options.tls.servername }) })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    if (options.tls) {
      this.socket.once('secureConnect', () => {
        const protocol = (this.socket as tls.TLSSocket).alpnProtocol;
        if (protocol !== 'h2') this.destroy(new Error(`the server did not negotiate HTTP/2 over TLS (ALPN: ${protocol || 'none'})`));
      });
    }
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error: Error) => this.destroy(error));
    this.socket.on('close', () => this.destroy(this.failure ?? new Error('connection closed')));
    this.socket.on('end', () => this.destroy(new Error('connection closed by the peer')));
    this.socket.unref();
    const window = options.windowBytes;
    // the preface, our settings and the connection window in one write, before anything else
    this.socket.write(
      Buffer.concat([
        CLIENT_PREFACE,
        settingsFrame([
          [Setting.ENABLE_PUSH, 0],
          [Setting.INITIAL_WINDOW_SIZE, window],
        ]),
        ...(window > DEFAULT_WINDOW_BYTES ? [wordsFrame(FrameType.WINDOW_UPDATE, 0, 0, window - DEFAULT_WINDOW_BYTES)] : []),
      ]),
    );
  }

  /** Takes new streams: not closing, not told to go away, stream ids left. */
  get available(): boolean {
    return !this.closed && !this.closing && !this.goingAway && this.nextStreamId + 2 * this.waiting.length <= MAX_STREAM_ID;
  }

  get destroyed(): boolean {
    return this.closed;
  }

  /** Streams open or waiting for one. */
  get activeStreams(): number {
    return this.streams.size + this.waiting.length;
  }

  /**
   * Opens a stream with a request: `headerBlock` (hpack-encoder.ts) and the body, which ends the
   * stream. Frames go to the socket now, as far as the peer's windows and stream limit allow.
   */
  request(headerBlock: Buffer, body: readonly Buffer[], handler: StreamHandler): ClientStream {
    if (!this.available) throw this.failure ?? new Error('the connection takes no new streams');
    let bodyBytes = 0;
    for (const chunk of body) bodyBytes += chunk.length;
    const state: StreamState = { id: 0, handler, sendWindow: 0, pending: [], pendingBytes: 0, unacknowledged: 0, remoteEnded: false };
    if (this.streams.size >= this.peerMaxStreams) this.waiting.push({ state, headerBlock, body, bodyBytes });
    else this.open(state, headerBlock, body, bodyBytes);
    this.socket.ref();
    return state;
  }

  /** Ends a stream from our side (RST_STREAM, CANCEL by default); no more events for it. */
  /** Body bytes of `stream` its consumer has taken (for a handler that `acknowledgesItself`). */
  acknowledge(stream: ClientStream, bytes: number): void {
    const state = stream as StreamState;
    if (this.closed || this.streams.get(state.id) !== state || bytes <= 0) return;
    state.unacknowledged += bytes;
    if (state.unacknowledged >= this.options.windowBytes / 2) {
      this.write(wordsFrame(FrameType.WINDOW_UPDATE, 0, state.id, state.unacknowledged));
      state.unacknowledged = 0;
    }
  }

  cancel(stream: ClientStream, code: number = ErrorCode.CANCEL): void {
    const state = stream as StreamState;
    const waitingAt = this.waiting.findIndex((request) => request.state === state);
    if (waitingAt >= 0) {
      this.waiting.splice(waitingAt, 1);
      this.idleCheck();
      return;
    }
    if (this.streams.get(state.id) !== state) return;
    this.forget(state);
    if (!this.closed && !state.remoteEnded) this.write(wordsFrame(FrameType.RST_STREAM, 0, state.id, code));
    this.openWaiting();
    this.idleCheck();
  }

  /** Sends a PING; `callback` runs with its ACK, or with an error if the connection ends first. */
  ping(callback: (error?: Error) => void): void {
    if (this.closed) return callback(this.failure);
    this.pings.push(callback);
    this.write(frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
  }

  /** No new streams; the connection ends (GOAWAY NO_ERROR) once the open ones have. */
  close(): void {
    this.closing = true;
    this.idleCheck();
  }

  /** Ends the connection now: every stream on it gets onAbort with `error`; `last` (a GOAWAY) is sent first. */
  destroy(error: Error, last?: Buffer): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    const open = [...this.streams.values()];
    const waiting = this.waiting.splice(0).map((request) => request.state);
    this.streams.clear();
    this.blocked.clear();
    if (last !== undefined) this.socket.end(last);
    else this.socket.destroy();
    this.options.onClose(error);
    for (const state of open) state.handler.onAbort({ kind: 'connection', error, sent: true });
    for (const state of waiting) state.handler.onAbort({ kind: 'connection', error, sent: false });
    for (const callback of this.pings.splice(0)) callback(error);
  }

  /**
   * Writes to the socket, corked until the end of the current callback (process.nextTick): the
   * calls one event makes (a gRPC front handing over every stream of a chunk of frames) leave in
   * one system call, and the calls of separate events (HTTP requests, one socket each) are not
   * held back for one another, so the executor starts on the first while later ones are parsed.
   */
  private write(data: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(data);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private open(state: StreamState, headerBlock: Buffer, body: readonly Buffer[], bodyBytes: number): void {
    state.id = this.nextStreamId;
    this.nextStreamId += 2;
    state.sendWindow = this.peerInitialWindow;
    this.streams.set(state.id, state);
    const endWithHeaders = bodyBytes === 0;
    const whole = FRAME_HEADER_BYTES * 2 + headerBlock.length + bodyBytes;
    if (
      !endWithHeaders &&
      whole <= COPY_BELOW_BYTES &&
      headerBlock.length <= this.peerMaxFrame &&
      bodyBytes <= this.peerMaxFrame &&
      bodyBytes <= state.sendWindow &&
      bodyBytes <= this.connectionSendWindow
    ) {
      // the common case: HEADERS and the whole body in one DATA frame, one buffer, one write
      const out = Buffer.allocUnsafe(whole);
      writeFrameHeader(out, 0, headerBlock.length, FrameType.HEADERS, Flag.END_HEADERS, state.id);
      headerBlock.copy(out, FRAME_HEADER_BYTES);
      const at = FRAME_HEADER_BYTES + headerBlock.length;
      writeFrameHeader(out, at, bodyBytes, FrameType.DATA, Flag.END_STREAM, state.id);
      let offset = at + FRAME_HEADER_BYTES;
      for (const chunk of body) offset += chunk.copy(out, offset);
      state.sendWindow -= bodyBytes;
      this.connectionSendWindow -= bodyBytes;
      this.write(out);
      return;
    }
    this.writeHeaderBlock(state.id, headerBlock, endWithHeaders);
    if (!endWithHeaders) {
      this.queueBody(state, body, bodyBytes);
      this.sendPending(state);
    }
  }

  /** HEADERS, then CONTINUATION frames for a block larger than the peer's frames. */
  private writeHeaderBlock(streamId: number, block: Buffer, endStream: boolean): void {
    const maxFrame = this.peerMaxFrame;
    for (let offset = 0, first = true; first || offset < block.length; first = false) {
      const length = Math.min(maxFrame, block.length - offset);
      const last = offset + length >= block.length;
      const type = first ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
      const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      writeFrameHeader(head, 0, length, type, flags, streamId);
      this.write(head);
      if (length > 0) this.write(block.subarray(offset, offset + length));
      offset += length;
    }
  }

  private queueBody(state: StreamState, body: readonly Buffer[], bodyBytes: number): void {
    for (const chunk of body) if (chunk.length > 0) state.pending.push(chunk);
    state.pendingBytes = bodyBytes;
  }

  /** Sends as much of the stream's pending body as the windows allow; END_STREAM with the last byte. */
  private sendPending(state: StreamState): void {
    while (state.pendingBytes > 0) {
      const length = Math.min(state.pendingBytes, this.peerMaxFrame, state.sendWindow, this.connectionSendWindow);
      if (length <= 0) {
        this.blocked.add(state);
        return;
      }
      const last = length === state.pendingBytes;
      const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      writeFrameHeader(head, 0, length, FrameType.DATA, last ? Flag.END_STREAM : 0, state.id);
      this.write(head);
      let left = length;
      while (left > 0) {
        const chunk = state.pending[0]!;
        if (chunk.length <= left) {
          this.write(chunk);
          state.pending.shift();
          left -= chunk.length;
        } else {
          this.write(chunk.subarray(0, left));
          state.pending[0] = chunk.subarray(left);
          left = 0;
        }
      }
      state.pendingBytes -= length;
      state.sendWindow -= length;
      this.connectionSendWindow -= length;
    }
    this.blocked.delete(state);
  }

  private sendBlocked(): void {
    if (this.blocked.size === 0) return;
    for (const state of [...this.blocked]) {
      if (this.connectionSendWindow <= 0) break;
      this.sendPending(state);
    }
  }

  private openWaiting(): void {
    while (this.waiting.length > 0 && this.streams.size < this.peerMaxStreams && !this.closed) {
      const request = this.waiting.shift()!;
      this.open(request.state, request.headerBlock, request.body, request.bodyBytes);
    }
  }

  /**
   * The peer ended the stream (END_STREAM). If it answered before the whole request went out (a
   * request refused for its size, say), the rest is not sent, and RST_STREAM NO_ERROR tells the peer
   * so (RFC 9113 §8.1), or the stream would stay open on its side and hold one of its slots.
   */
  private endedByPeer(state: StreamState): void {
    const unsent = state.pendingBytes > 0;
    state.remoteEnded = true;
    this.forget(state);
    if (unsent) this.replies.push(wordsFrame(FrameType.RST_STREAM, 0, state.id, ErrorCode.NO_ERROR));
  }

  private forget(state: StreamState): void {
    this.streams.delete(state.id);
    this.blocked.delete(state);
    state.pending = [];
    state.pendingBytes = 0;
  }

  /** With no stream left: a closing or told-away connection ends; an idle one lets the process exit. */
  private idleCheck(): void {
    if (this.closed || this.activeStreams > 0) return;
    if (this.closing || this.goingAway) {
      this.destroy(new Error('connection closed'), wordsFrame(FrameType.GOAWAY, 0, 0, 0, ErrorCode.NO_ERROR));
      return;
    }
    this.socket.unref();
  }

  /** Fails the connection for something the peer did wrong (RFC 9113 §5.4.1). */
  private connectionError(code: number, message: string): void {
    if (this.closed) return;
    this.destroy(new Error(`HTTP/2 protocol error from the server: ${message}`), wordsFrame(FrameType.GOAWAY, 0, 0, 0, code));
  }

  // ---- reading -------------------------------------------------------------------------------

  private read(chunk: Buffer): void {
    if (this.closed) return;
    let offset = 0;
    if (this.partial !== undefined) {
      offset = this.completePartialFrame(chunk);
      if (offset < 0 || this.closed) return;
    }
    while (chunk.length - offset >= FRAME_HEADER_BYTES) {
      const length = (chunk[offset]! << 16) | (chunk[offset + 1]! << 8) | chunk[offset + 2]!;
      if (length > DEFAULT_MAX_FRAME_BYTES) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes (the limit is ${DEFAULT_MAX_FRAME_BYTES})`);
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > chunk.length) break;
      this.dispatchFrame(chunk, offset, end);
      if (this.closed) return;
      offset = end;
    }
    if (offset < chunk.length) this.partial = chunk.subarray(offset);
    this.sendReplies();
  }

  /**
   * The frame begun in an earlier read, completed from the start of `chunk` and handled; returns
   * where the rest of `chunk` starts, or -1 when all of it went into the still-partial frame.
   * Only that one frame is copied (at most a frame's worth, 16 KiB): joining the whole read to
   * the partial frame instead copied every byte of a large response once more.
   */
  private completePartialFrame(chunk: Buffer): number {
    const partial = this.partial!;
    const header = partial.length >= FRAME_HEADER_BYTES ? partial : Buffer.concat([partial, chunk.subarray(0, FRAME_HEADER_BYTES - partial.length)]);
    if (header.length < FRAME_HEADER_BYTES) {
      this.partial = header;
      return -1;
    }
    const length = (header[0]! << 16) | (header[1]! << 8) | header[2]!;
    if (length > DEFAULT_MAX_FRAME_BYTES) {
      this.connectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes (the limit is ${DEFAULT_MAX_FRAME_BYTES})`);
      return -1;
    }
    const missing = FRAME_HEADER_BYTES + length - partial.length;
    if (chunk.length < missing) {
      this.partial = Buffer.concat([partial, chunk]);
      return -1;
    }
    this.partial = undefined;
    const type = header[3]!;
    const flags = header[4]!;
    if (type === FrameType.DATA && !(flags & Flag.PADDED) && this.continuation === undefined && partial.length >= FRAME_HEADER_BYTES) {
      // a DATA frame's payload goes to its stream as the two pieces it came in: not copied at all
      this.onDataFrame(flags, header.readUInt32BE(5) & 0x7fffffff, partial.subarray(FRAME_HEADER_BYTES), chunk.subarray(0, missing));
      return missing;
    }
    const frame = Buffer.concat([partial, chunk.subarray(0, missing)]);
    this.dispatchFrame(frame, 0, frame.length);
    return missing;
  }

  private dispatchFrame(data: Buffer, offset: number, end: number): void {
    const type = data[offset + 3]!;
    const flags = data[offset + 4]!;
    const streamId = data.readUInt32BE(offset + 5) & 0x7fffffff;
    this.onFrame(type, flags, streamId, data.subarray(offset + FRAME_HEADER_BYTES, end));
  }

  private sendReplies(): void {
    if (this.replies.length === 0) return;
    const replies = this.replies;
    this.replies = [];
    this.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies));
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuation !== undefined && type !== FrameType.CONTINUATION) {
      return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a header block interrupted by another frame');
    }
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeadersFrame(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.RST_STREAM:
        return this.onReset(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PING:
        return this.onPing(flags, payload);
      case FrameType.GOAWAY:
        return this.onGoaway(streamId, payload);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FrameType.PUSH_PROMISE:
        return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
      default:
        // PRIORITY and unknown frame types are ignored (RFC 9113 §4.1, §5.5)
        return;
    }
  }

  /** `rest`: the second piece of a frame that straddled two reads (never a padded one). */
  private onDataFrame(flags: number, streamId: number, payload: Buffer, rest?: Buffer): void {
    if (streamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const frameBytes = payload.length + (rest?.length ?? 0);
    // flow control counts the whole frame, padding included (§6.9.1)
    this.connectionUnacknowledged += frameBytes;
    if (this.connectionUnacknowledged >= this.options.windowBytes / 2) {
      this.replies.push(wordsFrame(FrameType.WINDOW_UPDATE, 0, 0, this.connectionUnacknowledged));
      this.connectionUnacknowledged = 0;
    }
    const data = unpad(flags, payload);
    if (data === undefined) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA padding longer than the frame');
    const state = this.streams.get(streamId);
    if (state === undefined) return;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (endStream) this.endedByPeer(state);
    else {
      // a handler that acknowledges itself is owed the body bytes; padding is acknowledged here
      state.unacknowledged += state.handler.acknowledgesItself ? frameBytes - data.length - (rest?.length ?? 0) : frameBytes;
      if (state.unacknowledged >= this.options.windowBytes / 2) {
        this.replies.push(wordsFrame(FrameType.WINDOW_UPDATE, 0, streamId, state.unacknowledged));
        state.unacknowledged = 0;
      }
    }
    if (rest === undefined) state.handler.onData(data, endStream);
    else {
      if (data.length > 0) state.handler.onData(data, false);
      state.handler.onData(rest, endStream);
    }
    if (endStream) this.streamEnded();
  }

  private onHeadersFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
    let fragment = unpad(flags, payload);
    if (fragment === undefined) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
    if (flags & Flag.PRIORITY) fragment = fragment.subarray(5);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) return this.onHeaderBlock(streamId, endStream, fragment);
    this.continuation = { streamId, endStream, fragments: [Buffer.from(fragment)], bytes: fragment.length, frames: 0 };
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const continuation = this.continuation;
    if (continuation === undefined || continuation.streamId !== streamId) {
      return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without a header block to continue');
    }
    if (payload.length > 0) continuation.fragments.push(Buffer.from(payload));
    continuation.bytes += payload.length;
    if (continuation.bytes > MAX_HEADER_BLOCK_BYTES) {
      return this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block of more than ${MAX_HEADER_BLOCK_BYTES} bytes`);
    }
    if (++continuation.frames > MAX_CONTINUATION_FRAMES) {
      return this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block in more than ${MAX_CONTINUATION_FRAMES} CONTINUATION frames`);
    }
    if (!(flags & Flag.END_HEADERS)) return;
    this.continuation = undefined;
    this.onHeaderBlock(streamId, continuation.endStream, Buffer.concat(continuation.fragments));
  }

  private onHeaderBlock(streamId: number, endStream: boolean, block: Buffer): void {
    // no prototype: a field named `constructor` or `__proto__` is a field like any other
    const fields: HeaderFields = Object.create(null) as HeaderFields;
    try {
      // decoded whatever the stream's fate: the dynamic table must follow the peer's
      this.decoder.decode(block, (name, value) => {
        const seen = fields[name];
        if (seen === undefined) fields[name] = value;
        else if (typeof seen === 'string') fields[name] = [seen, value];
        else seen.push(value);
      });
    } catch (error) {
      return this.connectionError(ErrorCode.COMPRESSION_ERROR, (error as Error).message);
    }
    const state = this.streams.get(streamId);
    if (state === undefined) return;
    if (endStream) this.endedByPeer(state);
    state.handler.onHeaders(fields, endStream);
    if (endStream) this.streamEnded();
  }

  private onReset(streamId: number, payload: Buffer): void {
    if (streamId === 0 || payload.length !== 4) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a malformed RST_STREAM');
    const state = this.streams.get(streamId);
    if (state === undefined) return;
    state.remoteEnded = true;
    this.forget(state);
    state.handler.onAbort({ kind: 'reset', code: payload.readUInt32BE(0) });
    this.streamEnded();
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0 || payload.length % 6 !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a malformed SETTINGS frame');
    if (flags & Flag.ACK) return;
    let windowDelta = 0;
    for (let offset = 0; offset < payload.length; offset += 6) {
      const id = payload.readUInt16BE(offset);
      const value = payload.readUInt32BE(offset + 2);
      if (id === Setting.MAX_CONCURRENT_STREAMS) this.peerMaxStreams = value;
      else if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
        windowDelta += value - this.peerInitialWindow;
        this.peerInitialWindow = value;
      } else if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_BYTES || value > 2 ** 24 - 1) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
        this.peerMaxFrame = value;
      }
      // HEADER_TABLE_SIZE: our encoder keeps no dynamic table; ENABLE_PUSH, MAX_HEADER_LIST_SIZE: nothing to do
    }
    // acknowledged before anything is sent under the new values: the peer applies its settings
    // (a larger frame size, larger windows) only once it has our ACK (§6.5.3); grpc-core refuses a
    // large DATA frame that arrives ahead of the ACK
    this.replies.push(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.sendReplies();
    // a changed initial window moves every open stream's window by the difference (§6.9.2), and
    // one it pushes past 2^31-1 is the peer's error: its windows and ours no longer agree
    if (windowDelta !== 0) {
      for (const state of this.streams.values()) {
        state.sendWindow += windowDelta;
        if (state.sendWindow > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE takes stream ${state.id}'s window past 2^31-1`);
      }
    }
    this.sendBlocked();
    this.openWaiting();
  }

  private onPing(flags: number, payload: Buffer): void {
    if (payload.length !== 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'a PING frame that is not 8 bytes');
    if (flags & Flag.ACK) {
      this.pings.shift()?.();
      return;
    }
    this.replies.push(frame(FrameType.PING, Flag.ACK, 0, payload));
  }

  private onGoaway(streamId: number, payload: Buffer): void {
    if (streamId !== 0 || payload.length < 8) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a malformed GOAWAY');
    const lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    const debug = payload.subarray(8).toString('utf8');
    this.goingAway = true;
    this.options.onGoaway(code, debug);
    // Streams past the last one the peer took never ran, and requests waiting for a stream were
    // never sent: they end as not processed, to be sent elsewhere. A second GOAWAY (gRPC servers
    // send one with 2^31-1 first, then the real last id) ends those the first one left.
    const past = [...this.streams.values()].filter((state) => state.id > lastStreamId);
    const waiting = this.waiting.splice(0).map((request) => request.state);
    for (const state of past) this.forget(state);
    for (const state of [...past, ...waiting]) state.handler.onAbort({ kind: 'goaway', code, debug, processed: false });
    if (code === ErrorCode.NO_ERROR) return this.idleCheck();
    // A GOAWAY for an error (grpc-core's too_many_pings, a server's INTERNAL_ERROR): the peer closes
    // the connection right after it, as node:http2 does on its side, so the streams it may have
    // processed end now, with what it said.
    const processed = [...this.streams.values()];
    for (const state of processed) this.forget(state);
    for (const state of processed) state.handler.onAbort({ kind: 'goaway', code, debug, processed: true });
    this.destroy(new Error(`GOAWAY received (${debug || `code ${code}`})`));
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'a WINDOW_UPDATE frame that is not 4 bytes');
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a WINDOW_UPDATE of 0');
      this.connectionSendWindow += increment;
      if (this.connectionSendWindow > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'the connection window past 2^31-1');
      return this.sendBlocked();
    }
    const state = this.streams.get(streamId);
    if (state === undefined) return;
    if (increment === 0 || state.sendWindow + increment > MAX_WINDOW_BYTES) {
      // a stream error (§6.9): this stream ends, the connection lives on
      this.forget(state);
      this.replies.push(wordsFrame(FrameType.RST_STREAM, 0, streamId, increment === 0 ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FLOW_CONTROL_ERROR));
      state.handler.onAbort({ kind: 'reset', code: increment === 0 ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FLOW_CONTROL_ERROR });
      return this.streamEnded();
    }
    state.sendWindow += increment;
    if (this.blocked.has(state)) this.sendPending(state);
  }

  /** A stream closed: a waiting request may take its place, or the connection may go idle. */
  private streamEnded(): void {
    if (this.waiting.length > 0) this.openWaiting();
    this.idleCheck();
  }
}

/** The frame's content without its padding (PADDED flag), or undefined if the padding does not fit. */
function unpad(flags: number, payload: Buffer): Buffer | undefined {
  if (!(flags & Flag.PADDED)) return payload;
  if (payload.length < 1) return undefined;
  const padding = payload[0]!;
  if (padding >= payload.length) return undefined;
  return payload.subarray(1, payload.length - padding);
}
