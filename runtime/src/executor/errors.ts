import { status as GrpcStatus } from '@grpc/grpc-js';
import type { StatusProto } from '../wire/gen/jina/jina.pb.js';

/**
 * An exception raised inside an executor, as Jina reports it in-band: the gRPC call succeeds,
 * the response header carries status ERROR and the exception's name, args and traceback.
 * Unlike Jina's `executor[...].post`, our post() raises this instead of passing it silently.
 */
export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
  /** The exception class, e.g. "ValueError". */
  readonly exceptionName: string;
  /** str() of each exception argument. */
  readonly args: readonly string[];
  /** Formatted traceback lines from the executor. */
  readonly stacks: readonly string[];
  /** The executor's class name (Jina fills it with executor.__class__.__name__). */
  readonly executor: string;
  /** Python's repr(exception), e.g. "ValueError('boom')". */
  readonly description: string;
  /** The deployment whose call failed, when known. */
  readonly deployment: string | undefined;

  constructor(status: StatusProto | undefined, deployment?: string) {
    const exception = status?.exception;
    const exceptionName = exception?.name ?? '';
    const description = status?.description ?? '';
    const where = deployment ? ` in deployment "${deployment}"` : '';
    const what = description || `${exceptionName}(${(exception?.args ?? []).join(', ')})`;
    super(`executor raised ${what}${where}${exception?.executor ? ` (${exception.executor})` : ''}`);
    this.exceptionName = exceptionName;
    this.args = exception?.args ?? [];
    this.stacks = exception?.stacks ?? [];
    this.executor = exception?.executor ?? '';
    this.description = description;
    this.deployment = deployment;
  }
}

/**
 * The executor could not be reached or did not answer in time, after every retry Jina's rule
 * allows (Jina's InternalNetworkError). Names the deployment and every address tried.
 */
export class ExecutorNetworkError extends Error {
  override readonly name = 'ExecutorNetworkError';

  constructor(
    /** The gRPC status code of the last attempt (UNAVAILABLE, DEADLINE_EXCEEDED, ...). */
    readonly code: GrpcStatus,
    readonly deployment: string,
    readonly addresses: readonly string[],
    readonly details: string,
    readonly requestId: string = '',
  ) {
    super(
      `${GrpcStatus[code] ?? code}: communication error with deployment "${deployment}" at address(es) ` +
        `${addresses.join(', ')}: ${details || 'no details'}. The executor may be down or unreachable.`,
    );
  }
}

/** An executor answered with bytes that are not a valid Jina message. */
export class ExecutorProtocolError extends Error {
  override readonly name = 'ExecutorProtocolError';
  constructor(
    readonly deployment: string,
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `deployment "${deployment}" at ${address} sent a malformed response: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
