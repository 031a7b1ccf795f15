/**
 * `jina.JinaRPC/Call`, the Jina Python client's main path: a bidirectional stream where each
 * incoming DataRequestProto goes through the Flow on its own, at most `prefetch` at a time, and
 * its response is written back as soon as it is done (or in request order when the client sent
 * `__results_in_order__: true`). The client's `__prefetch__` metadata replaces the gateway's
 * prefetch for this call, as in Jina.
 *
 * Failures, as Jina's gateway reports them:
 * - an executor raised: an ordinary response with header.status ERROR (the call goes on);
 * - a deployment unreachable after retries: an empty response carrying only the failed request's
 *   id, then the call ends with the gRPC code of the failure and Jina's details text (requests
 *   still in flight are dropped, as in Jina, whose stream stops at the first network error);
 * - malformed request bytes: the call ends with INVALID_ARGUMENT saying what is wrong.
 *
 * Back-pressure both ways: requests are read only while fewer than `prefetch` are in flight, and
 * the next response is taken only once the previous one was handed to the connection, so a
 * client that floods the gateway or stops reading holds a bounded amount of memory.
 */
import { once } from 'node:events';
import { Metadata, type ServerDuplexStream, status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { pipeline } from '../../streamer/request-pipeline.js';
import { type DataRequest, encodeDataRequest } from '../../wire/data-request.js';
import { cancellationOf } from './call-cancellation.js';
import { logErrorResponse, logFailedRequest } from '../failed-request-log.js';
import { describeFailure, RequestFailure } from './failure.js';
import { readMessages } from './read-messages.js';
import { routeBytes } from './route-bytes.js';

export interface CallContext {
  streamer: GatewayStreamer;
  logger: Logger;
  /** The gateway's --prefetch (0: unlimited). */
  prefetch: number;
  /** Aborted when the gateway shuts down: stop reading requests, answer the ones taken. */
  draining: AbortSignal;
}

export async function serveCall(call: ServerDuplexStream<Buffer, Buffer>, context: CallContext): Promise<void> {
  const { streamer, logger } = context;
  const inOrder = firstValue(call.metadata, '__results_in_order__') === 'true';
  const prefetch = clientPrefetch(firstValue(call.metadata, '__prefetch__')) ?? context.prefetch;
  const signal = cancellationOf(call).signal;
  const input = readMessages<Buffer>(call, AbortSignal.any([signal, context.draining]));
  // once the call failed, the requests still in flight are answered to nobody: stop them
  const abandoned = new AbortController();
  const requestSignal = AbortSignal.any([signal, abandoned.signal]);

  const handle = (bytes: Buffer): Promise<DataRequest> => routeBytes(bytes, streamer, requestSignal);

  try {
    for await (const response of pipeline(input, handle, { prefetch, inOrder })) {
      if (signal.aborted) return;
      logErrorResponse(logger, { protocol: 'grpc', what: 'JinaRPC/Call', endpoint: response.header.execEndpoint }, response);
      if (!call.write(encodeDataRequest(response))) await writable(call, signal);
    }
  } catch (error) {
    if (signal.aborted) return;
    abandoned.abort(Object.assign(new Error('the call failed'), { name: 'AbortError' }));
    const failure = describeFailure(error);
    logFailedRequest(logger, { protocol: 'grpc', what: 'JinaRPC/Call' }, error);
    // Jina yields an empty response carrying the failed request's id before the status.
    if (failure.network && error instanceof RequestFailure) {
      call.write(encodeDataRequest({ header: { requestId: error.requestId, status: undefined }, parameters: {}, routes: [], data: undefined }));
    }
    call.emit('error', { code: failure.code, details: failure.details, metadata: new Metadata() });
    return;
  }
  if (signal.aborted) return;
  if (!input.ended) {
    // shutdown stopped reading before the client was done
    call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'the gateway is shutting down: requests sent after that were not processed', metadata: new Metadata() });
    return;
  }
  call.end();
}

/** Waits until the call can take more output (or the client is gone). */
async function writable(call: ServerDuplexStream<Buffer, Buffer>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await once(call, 'drain', { signal }).catch(() => undefined);
}

function firstValue(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : value.toString();
}

/** Jina reads `__prefetch__` with int(); a value it cannot parse is ignored, and 0 means "the gateway's". */
function clientPrefetch(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  const parsed = Number.parseInt(value, 10);
  return parsed > 0 ? parsed : undefined;
}
