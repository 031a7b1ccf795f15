/**
 * One JSON log line per failed request, the same on every front (HTTP, WebSocket, gRPC, typed
 * routes), so an operator can grep a request id or count failures per executor:
 *
 *   {"level":50,"protocol":"http","requestId":"…","endpoint":"/embed","executor":"encoder","code":"UNAVAILABLE","msg":"…"}
 *
 * - a deployment unreachable or past its deadline after retries (error level): `code` is the gRPC
 *   status of the last attempt, `executor` the deployment, `msg` Jina's own text for it;
 * - an executor that raised (warn level: the executor logs the traceback itself): `code` "ERROR"
 *   (Jina's StatusProto code), `executor` the deployment when known, `exception` its class name;
 * - a malformed answer or another gRPC failure from an executor, or (typed routes) documents that
 *   break the endpoint's output model, code "INVALID_OUTPUT" (error level), named likewise;
 * - our own bug (error level, with the stack). A client's bad request is the client's to see: not
 *   logged above debug.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from '../executor/errors.js';
import { ReturnTypeError } from '../streamer/return-type-error.js';
import type { DataRequest } from '../wire/data-request.js';
import { isErrorStatus } from '../wire/data-request.js';
import { describeFailure, jinaNetworkDetails, RequestFailure } from './grpc/failure.js';

export interface FailedRequestContext {
  protocol: 'grpc' | 'http' | 'websocket';
  /** What was asked, e.g. `process_single_data` or `POST /embed`, for our own failures. */
  what: string;
  requestId?: string | undefined;
  endpoint?: string | undefined;
}

export function logFailedRequest(logger: Logger, context: FailedRequestContext, error: unknown): void {
  const cause = error instanceof RequestFailure ? error.cause : error;
  const requestId = error instanceof RequestFailure ? error.requestId : context.requestId;
  const fields = { protocol: context.protocol, requestId: requestId || undefined, endpoint: context.endpoint || undefined };
  if (cause instanceof ExecutorNetworkError) {
    logger.error({ ...fields, executor: cause.deployment, code: codeName(cause.code) }, `Error while getting responses from deployments: ${jinaNetworkDetails(cause)}`);
  } else if (cause instanceof ExecutorError) {
    logger.warn({ ...fields, executor: cause.deployment ?? (cause.executor || undefined), code: 'ERROR', exception: cause.exceptionName || undefined }, cause.message);
  } else if (cause instanceof ReturnTypeError) {
    logger.error({ ...fields, executor: cause.executor, code: 'INVALID_OUTPUT' }, cause.message);
  } else if (cause instanceof ExecutorProtocolError) {
    logger.error({ ...fields, executor: cause.deployment, code: 'INTERNAL' }, cause.message);
  } else {
    const failure = describeFailure(cause);
    if (failure.internal) logger.error({ ...fields, err: cause, code: codeName(failure.code) }, `${context.what} failed`);
    else if (failure.network) logger.error({ ...fields, code: codeName(failure.code) }, failure.details);
    else logger.debug({ ...fields, code: codeName(failure.code) }, failure.details);
  }
}

/** A response carrying an executor's exception in-band (header.status ERROR): logged as above. */
export function logErrorResponse(logger: Logger, context: FailedRequestContext, response: DataRequest): void {
  if (!isErrorStatus(response.header.status)) return;
  // the hop whose call came back with the error carries the status in its route
  const failed = response.routes.find((route) => isErrorStatus(route.status));
  logFailedRequest(logger, { ...context, requestId: context.requestId ?? response.header.requestId }, new ExecutorError(response.header.status, failed?.executor));
}

function codeName(code: GrpcStatus): string {
  return GrpcStatus[code] ?? String(code);
}
