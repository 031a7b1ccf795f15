/**
 * How a request that could not go through the Flow is reported by the gRPC and WebSocket fronts.
 * Executor exceptions never get here: they travel in-band (header.status ERROR) as in Jina.
 *
 * - A deployment unreachable or timing out after Jina's retries (ExecutorNetworkError): the gRPC
 *   code of the last attempt (UNAVAILABLE, DEADLINE_EXCEEDED, NOT_FOUND, ...) with Jina's own
 *   details text, `<grpc details> |Gateway: Communication error with deployment <name> at
 *   address(es) {...}. Head or worker(s) may be down.`, which the Jina client shows verbatim.
 * - A request that is not what the wire protocol says (bytes, target_executor regex, documents the
 *   gateway had to decode): INVALID_ARGUMENT naming what is wrong.
 * - An executor answering garbage: INTERNAL naming the deployment and address; another gRPC error
 *   from an executor that Jina does not retry (e.g. RESOURCE_EXHAUSTED): its code, passed on.
 * - Anything else is a bug of ours: INTERNAL, logged by the caller.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ExecutorNetworkError, ExecutorProtocolError } from '../../executor/errors.js';
import { TargetExecutorError } from '../../topology/plan.js';
import { PythonRegexError } from '../../topology/python-regex.js';
import { DocCodecError } from '../../wire/codec-error.js';
import { MalformedRequestError } from './request-bytes.js';

export interface Failure {
  code: GrpcStatus;
  details: string;
  /** Our own fault rather than the client's or a peer's: log it as an error. */
  internal: boolean;
  /** The deployment's trouble (network, timeout, bad reply), as opposed to the client's request. */
  network: boolean;
}

/** A request that failed, with the id of the request it was (Jina echoes it in an empty response). */
export class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  constructor(
    override readonly cause: unknown,
    readonly requestId: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export function describeFailure(error: unknown): Failure {
  const cause = error instanceof RequestFailure ? error.cause : error;
  if (cause instanceof ExecutorNetworkError) {
    return { code: cause.code, details: jinaNetworkDetails(cause), internal: false, network: true };
  }
  if (cause instanceof MalformedRequestError || cause instanceof TargetExecutorError || cause instanceof PythonRegexError) {
    return { code: GrpcStatus.INVALID_ARGUMENT, details: cause.message, internal: false, network: false };
  }
  if (cause instanceof DocCodecError) {
    return { code: GrpcStatus.INVALID_ARGUMENT, details: `invalid documents: ${cause.message}`, internal: false, network: false };
  }
  if (cause instanceof ExecutorProtocolError) {
    return { code: GrpcStatus.INTERNAL, details: cause.message, internal: false, network: true };
  }
  if (isServiceError(cause)) {
    const details = `an executor answered ${GrpcStatus[cause.code] ?? cause.code}: ${cause.details || cause.message}`;
    return { code: cause.code, details, internal: false, network: true };
  }
  if (isAbort(cause)) {
    return { code: GrpcStatus.CANCELLED, details: 'the request was cancelled', internal: false, network: false };
  }
  if (cause instanceof RangeError && /call stack/i.test(cause.message)) {
    return { code: GrpcStatus.INVALID_ARGUMENT, details: 'the request nests too deeply', internal: false, network: false };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { code: GrpcStatus.INTERNAL, details: `internal gateway error: ${message}`, internal: true, network: false };
}

/** Jina's wording (topology_graph.py `_handle_internalnetworkerror`), so clients and logs read the same. */
export function jinaNetworkDetails(error: ExecutorNetworkError): string {
  const addresses = pythonSet(error.addresses);
  const name = error.deployment;
  switch (error.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return (
        `${error.details}|Gateway: Connection with deployment ${name} at address(es) ${addresses} could be established, but timed out.` +
        ' You can increase the allowed time by setting `timeout_send` in your Flow YAML `with` block or Flow `__init__()` method.'
      );
    case GrpcStatus.NOT_FOUND:
      return (
        `${error.details}\n|Gateway: Connection error with deployment \`${name}\` at address(es) ${addresses}.` +
        ` Connection with ${addresses} succeeded, but \`${name}\` was not found. Possibly \`${name}\` is behind an API gateway but not reachable.`
      );
    default:
      return `${error.details} |Gateway: Communication error with deployment ${name} at address(es) ${addresses}. Head or worker(s) may be down.`;
  }
}

/** `{'a', 'b'}`: how Jina prints the set of addresses it tried. */
function pythonSet(items: readonly string[]): string {
  return `{${items.map((item) => `'${item}'`).join(', ')}}`;
}

function isServiceError(error: unknown): error is Error & { code: number; details: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
