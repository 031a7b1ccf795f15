/**
 * How a WebSocket session of the gateway ends, as a close code and a reason a client can act on.
 * A close reason holds at most 123 UTF-8 bytes (RFC 6455 §5.5: 125-byte control frame payload
 * minus the 2-byte code), so longer texts are replaced or shortened here.
 *
 * - 1000 normal: the client sent the end-of-input byte and every response was sent.
 * - 1001 going away: the gateway shut down (requests taken before were answered).
 * - 1003 unsupported data: a text frame (only the `bytes` subprotocol works with docarray v2).
 * - 1007 invalid payload: a frame that is not a valid DataRequestProto, or an invalid request.
 * - 1009 message too big: ws itself closes with it when a frame exceeds the limit.
 * - 1011 internal error: a deployment unreachable or timing out (Jina's code, which the Jina
 *   client turns into a ConnectionError with the reason), the gateway not ready yet, or a bug.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ExecutorNetworkError } from '../../executor/errors.js';
import { describeFailure, type Failure, RequestFailure } from '../grpc/failure.js';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_INTERNAL_ERROR = 1011;

/** The most a close reason can hold, in UTF-8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;

export interface CloseReason {
  code: number;
  reason: string;
  /** What failed, in full (the reason may be shortened). */
  failure: Failure;
}

/** The close for anything a request through the Flow threw. */
export function closeReasonFor(error: unknown): CloseReason {
  const failure = describeFailure(error);
  const cause = error instanceof RequestFailure ? error.cause : error;
  if (failure.network) {
    // Jina sends the details when they fit, else a shorter text naming the addresses
    const reason = fits(failure.details) ? failure.details : networkFallback(cause, failure.details);
    return { code: CLOSE_INTERNAL_ERROR, reason: truncate(reason), failure };
  }
  if (failure.code === GrpcStatus.INVALID_ARGUMENT) return { code: CLOSE_INVALID_PAYLOAD, reason: truncate(failure.details), failure };
  return { code: CLOSE_INTERNAL_ERROR, reason: truncate(failure.details), failure };
}

/** Jina's fallback wording, naming the deployment too. */
function networkFallback(cause: unknown, details: string): string {
  if (!(cause instanceof ExecutorNetworkError)) return details;
  const where = `deployment ${cause.deployment} at ${cause.addresses.join(', ')}`;
  return cause.code === GrpcStatus.DEADLINE_EXCEEDED
    ? `Connection to ${where} timed out. You can adjust \`timeout_send\` attribute.`
    : `Network error while connecting to ${where}. It may be down.`;
}

function fits(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') <= MAX_CLOSE_REASON_BYTES;
}

/** `text` cut to fit a close frame, on a character boundary, marked with an ellipsis. */
export function truncate(text: string): string {
  if (fits(text)) return text;
  const budget = MAX_CLOSE_REASON_BYTES - Buffer.byteLength('…', 'utf8');
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return `${out}…`;
}
