/**
 * How failures behind the gateway look to an HTTP client.
 *
 * - An executor raised (in-band status ERROR): 500 with `detail` = the exception's repr, exactly
 *   Jina 3.33+'s body (`{"detail": "ValueError('boom')"}`), plus `header.status` carrying the
 *   exception's name, args, stacks and executor class (Jina's HTTP gateway drops them).
 * - A deployment is unreachable after retries: 503 (UNAVAILABLE, NOT_FOUND); its deadline passed:
 *   504 (DEADLINE_EXCEEDED); any other transport failure or a malformed reply: 502. The detail
 *   names the deployment and its addresses. Jina intends 503/504 but its handler crashes on a
 *   shadowed variable and answers a bare 500; the Jina Python client raises ConnectionError with
 *   `header.status.description` on 503/504, so that is where the description also goes.
 * - A `target_executor` Python cannot compile as a regex: 422 naming `header.target_executor`.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from '../../executor/errors.js';
import { TargetExecutorError } from '../../topology/plan.js';
import { PythonRegexError } from '../../topology/python-regex.js';
import { DocCodecError } from '../../wire/codec-error.js';
import { detailFromCodecError, validationBody } from './validation-error.js';

/** Jina's StatusProto code for an error (`jina_pb2.StatusProto.ERROR`). */
const ERROR_CODE = 1;

export interface ErrorStatusJson {
  code: number;
  description: string;
  exception: { name: string; args: string[]; stacks: string[]; executor: string } | null;
}

export interface HttpFailure {
  status: number;
  body: unknown;
  /** Whether this is our own fault (logged as an error) rather than the client's or a peer's. */
  internal?: boolean;
}

/** 500 body for an executor's exception. */
export function executorErrorBody(error: ExecutorError, requestId: string): { detail: string; header: object } {
  const description = error.description || `${error.exceptionName}(${error.args.map((arg) => JSON.stringify(arg)).join(', ')})`;
  return {
    detail: description,
    header: {
      request_id: requestId,
      target_executor: '',
      status: {
        code: ERROR_CODE,
        description,
        exception: { name: error.exceptionName, args: [...error.args], stacks: [...error.stacks], executor: error.executor },
      } satisfies ErrorStatusJson,
    },
  };
}

/** The HTTP answer for anything a request through the Flow threw. */
export function failureResponse(error: unknown, requestId: string): HttpFailure {
  if (error instanceof ExecutorError) return { status: 500, body: executorErrorBody(error, requestId) };
  if (error instanceof ExecutorNetworkError) {
    const status =
      error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.NOT_FOUND
        ? 503
        : error.code === GrpcStatus.DEADLINE_EXCEEDED
          ? 504
          : 502;
    return { status, body: transportBody(error.message, 'ExecutorNetworkError', [error.details], requestId) };
  }
  if (error instanceof ExecutorProtocolError) {
    return { status: 502, body: transportBody(error.message, 'ExecutorProtocolError', [error.message], requestId) };
  }
  if (isServiceError(error)) {
    // A gRPC failure Jina does not retry (e.g. RESOURCE_EXHAUSTED: the message is larger than the executor takes).
    const message = `${GrpcStatus[error.code] ?? error.code}: ${error.details || error.message}`;
    return { status: 502, body: transportBody(message, 'RpcError', [message], requestId) };
  }
  if (error instanceof TargetExecutorError || error instanceof PythonRegexError) {
    return {
      status: 422,
      body: validationBody([{ type: 'value_error', loc: ['body', 'header', 'target_executor'], msg: error.message }]),
    };
  }
  if (error instanceof DocCodecError) {
    return { status: 422, body: validationBody([detailFromCodecError(error, ['body', 'data'])]) };
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return { status: 400, body: { detail: 'the request body nests too deeply' } };
  }
  return { status: 500, body: { detail: 'Internal Server Error' }, internal: true };
}

function transportBody(description: string, name: string, args: string[], requestId: string) {
  return {
    detail: description,
    header: {
      request_id: requestId,
      target_executor: '',
      status: { code: ERROR_CODE, description, exception: { name, args, stacks: [], executor: '' } } satisfies ErrorStatusJson,
    },
  };
}

function isServiceError(error: unknown): error is Error & { code: number; details: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error;
}
