/**
 * WebSocket `/` with the `bytes` subprotocol (Jina's docarray-v2 WebSocket API): every binary
 * frame is a serialized DataRequestProto, each goes through the Flow on its own (at most
 * `prefetch` at a time) and its serialized response is sent back as soon as it is done; the Jina
 * client matches responses to requests by request id. A frame holding the single byte 0x00 ends
 * the input: once every response is sent the gateway closes with 1000.
 *
 * Executor errors travel in-band (header.status ERROR). A deployment unreachable after retries
 * closes the socket with 1011 and Jina's reason (requests still in flight are dropped, as in
 * Jina); a malformed frame closes with 1007 saying what is wrong, a text frame with 1003 (Jina
 * crashes on both, which clients see as 1006). Close codes: close-reason.ts.
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { pipeline } from '../../streamer/request-pipeline.js';
import { type DataRequest, encodeDataRequest, isErrorStatus } from '../../wire/data-request.js';
import { logErrorResponse, logFailedRequest } from '../failed-request-log.js';
import { routeBytes } from '../grpc/route-bytes.js';
import { CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_UNSUPPORTED_DATA, closeReasonFor } from './close-reason.js';
import { FrameQueue } from './frame-queue.js';

export interface DataSocketContext {
  streamer: GatewayStreamer;
  logger: Logger;
  /** The gateway's --prefetch (0: unlimited). */
  prefetch: number;
  /** Aborted when the gateway shuts down: take no more frames, answer the ones taken, close 1001. */
  draining: AbortSignal;
}

/** Frames waiting beyond the ones in flight before the socket is paused. */
const QUEUE_HIGH_WATER = 16;

/**
 * After end of input, how long a session that sent an executor error waits for the client to
 * close first. The Jina Python client raises the error only if it handles that response before
 * the server's close frame: when both arrive together its receive task ends first and the
 * exception is swallowed (`post()` returns no docs and no error). Measured against Jina's own
 * WebSocket gateway: the error is lost in about half of the posts. A client that raised closes
 * the socket itself within milliseconds; one that goes on (continue_on_error) waits this long.
 */
const ERROR_CLOSE_WAIT_MS = 250;

/** Serves one connection until it is closed; never rejects. */
export async function serveDataSocket(ws: WebSocket, context: DataSocketContext): Promise<void> {
  const { streamer, logger } = context;
  const gone = new AbortController();
  const signal = gone.signal;
  const queue = new FrameQueue(QUEUE_HIGH_WATER, () => ws.pause(), () => ws.resume());
  let endOfInput = false;
  let sentError = false;

  const close = (code: number, reason: string) => {
    queue.end();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (queue.isEnded) return;
    if (!isBinary) {
      close(CLOSE_UNSUPPORTED_DATA, 'text frames are not supported: send serialized DataRequestProto as binary frames (`bytes` subprotocol)');
      return;
    }
    const frame = asBuffer(data);
    if (frame.length === 1 && frame[0] === 0) {
      endOfInput = true;
      queue.end();
      return;
    }
    queue.push(frame);
  });
  const closed = new Promise<void>((resolve) =>
    ws.once('close', () => {
      gone.abort(Object.assign(new Error('the client closed the WebSocket'), { name: 'AbortError' }));
      queue.end();
      resolve();
    }),
  );
  // ws closes the socket itself on protocol errors (1002) and oversized frames (1009)
  ws.on('error', (error) => logger.debug({ err: error }, 'WebSocket error'));
  const onDrain = () => queue.end();
  context.draining.addEventListener('abort', onDrain);

  // once the socket is being closed for a failure, the requests still in flight are answered to nobody
  const abandoned = new AbortController();
  const requestSignal = AbortSignal.any([signal, abandoned.signal]);
  const handle = (bytes: Buffer): Promise<DataRequest> => routeBytes(bytes, streamer, requestSignal);

  try {
    for await (const response of pipeline(queue, handle, { prefetch: context.prefetch })) {
      if (signal.aborted) break;
      sentError ||= isErrorStatus(response.header.status);
      logErrorResponse(logger, { protocol: 'websocket', what: 'WebSocket request', endpoint: response.header.execEndpoint }, response);
      await send(ws, encodeDataRequest(response));
    }
    if (!signal.aborted && endOfInput && sentError) await Promise.race([closed, sleep(ERROR_CLOSE_WAIT_MS)]);
    // the input also ends on a text frame, whose close is already on its way
    if (!signal.aborted && endOfInput) close(CLOSE_NORMAL, '');
    else if (!signal.aborted && context.draining.aborted) close(CLOSE_GOING_AWAY, 'the gateway is shutting down');
  } catch (error) {
    abandoned.abort(Object.assign(new Error('the WebSocket failed'), { name: 'AbortError' }));
    if (!signal.aborted) {
      const { code, reason } = closeReasonFor(error);
      logFailedRequest(logger, { protocol: 'websocket', what: 'WebSocket request' }, error);
      close(code, reason);
    }
  } finally {
    context.draining.removeEventListener('abort', onDrain);
  }
  await closed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Sends one binary frame and waits until it was handed to the socket (back-pressure on a slow reader). */
function send(ws: WebSocket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => ws.send(bytes, { binary: true }, () => resolve()));
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
